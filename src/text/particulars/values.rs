//! A value's reading and its checks: where a label's value begins, the
//! value without its leader dots, and each type's parse — a date (real, not
//! in the future), a personal ID or tax code (by the domain's rules), a
//! name made of Vietnamese syllables.

use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use regex::Regex;

use super::{Rules, ValueType};
use crate::domain::SubjectId;
use crate::domain::subject::SubjectKind;
use crate::text::fold::fold;
use crate::text::syllable;

/// Where a label's value begins, past its colon or leader dots; none when
/// the label goes on with words of its own ("họ và tên cha: …" is not "họ và tên").
pub(super) fn value_start(folded: &str, end: usize) -> Option<usize> {
    let rest = &folded[end..];
    let trimmed = rest.trim_start();
    let at = end + (rest.len() - trimmed.len());
    match trimmed.chars().next() {
        None => Some(folded.len()),
        // A bilingual label: "ho va ten / full name: …".
        Some('/') => trimmed.find(':').map(|c| at + c + 1),
        Some(c) if c.is_alphanumeric() => {
            // No colon at all: the value follows the label directly.
            (!trimmed.contains(':')).then_some(at)
        }
        Some(_) => Some(at),
    }
}

/// A value without the leader dots, colons and spaces around it.
pub(super) fn clean(value: &str) -> String {
    let no_leaders = value.split(['…', '·', '_']).collect::<Vec<_>>().join(" ");
    let mut s = String::new();
    let mut dots = 0;
    for c in no_leaders.chars() {
        if c == '.' {
            dots += 1;
            continue;
        }
        if dots == 1 {
            s.push('.');
        } else if dots > 1 {
            s.push(' ');
        }
        dots = 0;
        s.push(c);
    }
    if dots == 1 {
        s.push('.');
    }
    let words: Vec<&str> = s.split_whitespace().collect();
    words
        .join(" ")
        .trim_matches(|c: char| matches!(c, ':' | ';' | ',' | '.' | '-' | '/' | ' '))
        .to_owned()
}

pub(super) fn parse(
    rules: &Rules,
    kind: ValueType,
    value: &str,
    today: NaiveDate,
) -> Option<(String, f64)> {
    match kind {
        ValueType::Name => name(rules, value, false).map(|n| (n.value, n.factor)),
        ValueType::Date => date(&fold(value), today).map(|d| (d.to_string(), 0.97)),
        ValueType::PersonalId => id(value, &[SubjectKind::Person]),
        ValueType::TaxCode => id(value, &[SubjectKind::Organisation, SubjectKind::Branch]),
        ValueType::Text => {
            let letters = value.chars().filter(|c| c.is_alphabetic()).count();
            (letters >= 2 && value.chars().count() <= 200).then(|| (value.to_owned(), 0.85))
        }
    }
}

/// A person's name as read.
pub(super) struct Name {
    pub(super) value: String,
    pub(super) factor: f64,
    /// Its first word is a known surname.
    pub(super) surname: bool,
}

/// A person's name: two to six words of Vietnamese syllables, all in
/// capitals or all capitalised (`title_only`: capitalised only). A first
/// word with a surname's letters but other marks is given the surname's.
pub(super) fn name(rules: &Rules, value: &str, title_only: bool) -> Option<Name> {
    let mut words: Vec<String> = value.split_whitespace().map(str::to_owned).collect();
    if !(2..=6).contains(&words.len()) {
        return None;
    }
    let upper = |w: &str| w.chars().all(|c| !c.is_lowercase());
    let title = |w: &str| {
        let mut cs = w.chars();
        cs.next().is_some_and(char::is_uppercase) && cs.all(|c| !c.is_uppercase())
    };
    // A first word with a surname's letters, whatever marks the OCR gave
    // it ("Hoäng", "Hoằng"), is that surname when only one has them.
    let spelled = rules.surnames.get(&fold(&words[0]));
    let surname = spelled.is_some();
    let mut repaired = false;
    if let Some([only]) = spelled.map(Vec::as_slice)
        && words[0].to_lowercase() != only.to_lowercase()
    {
        words[0] = if upper(&words[0]) && words.len() > 1 && upper(&words[1]) {
            only.to_uppercase()
        } else {
            only.clone()
        };
        repaired = true;
    }
    let all_upper = !title_only && words.iter().all(|w| upper(w));
    if !all_upper && !words.iter().all(|w| title(w)) {
        return None;
    }
    if !words
        .iter()
        .all(|w| w.chars().all(char::is_alphabetic) && syllable::has_syllable_letters(w))
    {
        return None;
    }
    let mut factor = if words.iter().all(|w| syllable::is_syllable(w)) {
        0.95
    } else {
        0.7
    };
    if repaired {
        factor *= 0.9;
    }
    if !surname {
        factor *= 0.9;
    }
    Some(Name {
        value: words.join(" "),
        factor,
        surname,
    })
}

/// A date as dd/mm/yyyy (or with dots or dashes) or in words, real and not
/// in the future.
fn date(folded: &str, today: NaiveDate) -> Option<NaiveDate> {
    static NUMERIC: OnceLock<Regex> = OnceLock::new();
    static WORDS: OnceLock<Regex> = OnceLock::new();
    let numeric = NUMERIC.get_or_init(|| {
        Regex::new(r"^([0-9]{1,2})\s*[/.\-]\s*([0-9]{1,2})\s*[/.\-]\s*([0-9]{4})\b")
            .expect("a valid pattern")
    });
    let words = WORDS.get_or_init(|| {
        Regex::new(r"^(?:ngay\s*)?([0-9]{1,2})\s+thang\s*([0-9]{1,2})\s+nam\s*([0-9]{4})\b")
            .expect("a valid pattern")
    });
    let c = numeric
        .captures(folded.trim())
        .or_else(|| words.captures(folded.trim()))?;
    ymd(&c[3], &c[2], &c[1], today)
}

pub(super) fn ymd(y: &str, m: &str, d: &str, today: NaiveDate) -> Option<NaiveDate> {
    let date = NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?;
    (date.year() >= 1900 && date <= today).then_some(date)
}

/// An ID number of one of `kinds`: its digits (spaces and dots between them
/// dropped) must parse as one.
pub(super) fn id(value: &str, kinds: &[SubjectKind]) -> Option<(String, f64)> {
    let run: String = value
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-'))
        .filter(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    let id = SubjectId::parse(run.trim_matches('-')).ok()?;
    kinds
        .contains(&id.kind())
        .then(|| (id.as_str().to_owned(), 1.0))
}
