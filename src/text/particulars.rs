//! Reading a paper's particulars off its recognised text, by the rules in
//! `particulars.toml`: labelled fields ("Họ và tên: …"), the Decree 30/2020
//! header (agency block, "Số: …", "…, ngày … tháng … năm …") and the
//! signer's block. Labels are matched folded; values are taken as written
//! and must pass their type's check, so a field is right or absent.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::NaiveDate;
use regex::Regex;
use serde::Deserialize;

use super::fold::fold;
use crate::domain::DocumentKind;
use crate::domain::particulars::{Suggestion, Suggestions};
use crate::domain::subject::SubjectKind;

/// A line of recognised text, as extraction reads it.
#[derive(Debug, Clone)]
pub struct Line {
    /// Page number in the record, from 1.
    pub page: u32,
    pub text: String,
    /// The mean confidence of its words, 0–100 (100 for a PDF's own text).
    pub confidence: u8,
    /// Whether any of its words was flagged doubtful.
    pub doubtful: bool,
    /// Each word's confidence, in the order of the text's words (split on
    /// spaces); empty when only the line's is known. A labelled value is
    /// as sure as its own words: a handwritten date read at 20 after a
    /// printed label read at 97 is not a line of 80.
    pub words: Vec<u8>,
}

/// Below this a suggestion is not made.
const FLOOR: f64 = 0.5;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    header: HeaderFile,
    signer: SignerRules,
    names: NamesFile,
    field: Vec<FieldFile>,
    #[serde(default)]
    kinds: BTreeMap<String, KindRules>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderFile {
    lines: usize,
    motto: Vec<String>,
    agency_words: Vec<String>,
    number: String,
    date: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignerRules {
    capacity: Vec<String>,
    skip: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NamesFile {
    surnames: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ValueType {
    Name,
    Date,
    PersonalId,
    TaxCode,
    Text,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldFile {
    name: String,
    #[serde(rename = "type")]
    kind: ValueType,
    labels: Vec<String>,
    #[serde(default)]
    kinds: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct KindRules {
    #[serde(default)]
    skip: Vec<String>,
}

/// The rules, compiled.
pub struct Rules {
    header: HeaderFile,
    number: Regex,
    date_words: Regex,
    signer: SignerRules,
    /// (folded label, field index), longest label first.
    labels: Vec<(String, usize)>,
    fields: Vec<FieldFile>,
    kinds: BTreeMap<String, KindRules>,
    /// Surnames by their folded letters.
    surnames: BTreeMap<String, Vec<String>>,
}

impl Rules {
    fn parse(text: &str) -> Result<Self, String> {
        let file: RulesFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let number = Regex::new(&file.header.number).map_err(|e| e.to_string())?;
        let date_words = Regex::new(&file.header.date).map_err(|e| e.to_string())?;
        for kind in file.kinds.keys() {
            kind.parse::<DocumentKind>().map_err(|e| e.to_string())?;
        }
        let mut labels: Vec<(String, usize)> = file
            .field
            .iter()
            .enumerate()
            .flat_map(|(i, f)| f.labels.iter().map(move |l| (fold(l), i)))
            .collect();
        labels.sort_by_key(|(l, _)| std::cmp::Reverse(l.chars().count()));
        let mut surnames: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for s in file.names.surnames {
            let spelled = surnames.entry(fold(&s)).or_default();
            if !spelled.contains(&s) {
                spelled.push(s);
            }
        }
        Ok(Rules {
            surnames,
            header: file.header,
            number,
            date_words,
            signer: file.signer,
            labels,
            fields: file.field,
            kinds: file.kinds,
        })
    }

    fn skips(&self, kind: DocumentKind, field: &str) -> bool {
        self.kinds
            .get(kind.code())
            .is_some_and(|k| k.skip.iter().any(|s| s == field))
    }
}

/// The rules sohoa ships with (`particulars.toml`).
pub fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        Rules::parse(include_str!("particulars.toml"))
            .expect("particulars.toml is valid (checked by its unit test)")
    })
}

/// A line as written (NFC characters) beside its folded form, character for
/// character, so a match in the folded text names a span of the original.
struct Folded {
    orig: Vec<char>,
    folded: String,
    /// Byte offset in `folded` of each character.
    at: Vec<usize>,
}

impl Folded {
    fn of(text: &str) -> Self {
        use unicode_normalization::UnicodeNormalization;
        let orig: Vec<char> = text.nfc().collect();
        let mut folded = String::with_capacity(text.len());
        let mut at = Vec::with_capacity(orig.len() + 1);
        for c in &orig {
            at.push(folded.len());
            folded.push(fold(&c.to_string()).chars().next().unwrap_or(' '));
        }
        at.push(folded.len());
        Folded { orig, folded, at }
    }

    /// The character index at byte `b` of the folded text.
    fn char_at(&self, b: usize) -> usize {
        self.at.partition_point(|&x| x < b)
    }

    /// The indices of the words (split on spaces) from byte `from_byte` to
    /// byte `to_byte` of the folded text.
    fn words(&self, from_byte: usize, to_byte: usize) -> std::ops::Range<usize> {
        let (mut a, b) = (self.char_at(from_byte), self.char_at(to_byte));
        // Past the label's colon and the spaces after it.
        while a < b && !self.orig[a].is_alphanumeric() {
            a += 1;
        }
        let before = |i: usize| self.orig[..i].iter().filter(|c| **c == ' ').count();
        before(a)..before(b) + 1
    }

    fn original(&self, from_byte: usize, to_byte: usize) -> String {
        let (a, b) = (self.char_at(from_byte), self.char_at(to_byte));
        self.orig[a..b].iter().collect()
    }

    /// Byte offsets of `label` in the folded text, standing as whole words.
    fn find_word(&self, label: &str, from: usize) -> Option<(usize, usize)> {
        let hay = &self.folded;
        let mut start = from;
        while let Some(i) = hay.get(start..)?.find(label) {
            let (a, b) = (start + i, start + i + label.len());
            let before = hay[..a].chars().next_back();
            let after = hay[b..].chars().next();
            let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
            let label_ends_in_word = label.chars().next_back().is_some_and(char::is_alphanumeric);
            if boundary(before) && (!label_ends_in_word || boundary(after)) {
                return Some((a, b));
            }
            start = a + label.chars().next().map_or(1, char::len_utf8);
        }
        None
    }
}

/// Reads the particulars of a paper of `kind` from its lines, judging dates
/// against `today`.
pub fn extract(kind: DocumentKind, lines: &[Line], today: NaiveDate) -> Suggestions {
    let rules = rules();
    let mut out = Suggestions::new();
    let folded: Vec<Folded> = lines.iter().map(|l| Folded::of(&l.text)).collect();
    let wanted = |f: &str| !rules.skips(kind, f);
    // The header first: its date is the issue date, before any "ngày cấp"
    // the body quotes of another paper.
    blocks::header(rules, lines, &folded, today, &wanted, &mut out);
    labelled(rules, kind, lines, &folded, today, &mut out);
    if wanted("signer") {
        blocks::signer(rules, lines, &folded, &mut out);
    }
    out
}

/// Particulars from a CCCD card's QR code (`ID|old ID|name|ddmmyyyy|sex|
/// address|ddmmyyyy`), each field checked as the text's are; none when the
/// text is not such a code.
pub fn from_cccd_qr(payload: &str, today: NaiveDate) -> Suggestions {
    let mut out = Suggestions::new();
    let fields: Vec<&str> = payload.split('|').map(str::trim).collect();
    if fields.len() < 7 {
        return out;
    }
    let Some((id, _)) = id(fields[0], &[SubjectKind::Person]) else {
        return out;
    };
    let sure = |value: String| Suggestion {
        value,
        confidence: 0.99,
    };
    let day = |d: &str| {
        (d.len() == 8 && d.chars().all(|c| c.is_ascii_digit()))
            .then(|| ymd(&d[4..], &d[2..4], &d[..2], today))
            .flatten()
    };
    out.insert("personal_id".into(), sure(id));
    if let Some(name) = name(rules(), fields[2], false) {
        out.insert("full_name".into(), sure(name.value));
    }
    if let Some(born) = day(fields[3]) {
        out.insert("date_of_birth".into(), sure(born.to_string()));
    }
    if let Some(issued) = day(fields[6]) {
        out.insert("issued_on".into(), sure(issued.to_string()));
    }
    out
}

/// `read` (from the text) with `qr`'s fields over it: a code is read exactly
/// or not at all. A name the text gives as printed (in capitals) stays as
/// printed when the code spells the same name.
pub fn with_qr(mut read: Suggestions, qr: Suggestions) -> Suggestions {
    for (field, s) in qr {
        match read.get_mut(&field) {
            Some(printed) if fold(&printed.value) == fold(&s.value) => {
                printed.confidence = printed.confidence.max(s.confidence);
            }
            _ => {
                read.insert(field, s);
            }
        }
    }
    read
}

fn confidence(line: &Line, factor: f64) -> f64 {
    of_words(line, line.confidence, factor)
}

/// The confidence of a value made of `words` of `line`: the mean of those
/// of them that hold a letter or a digit (leader dots left by the OCR do
/// not count), and never above the line's.
fn value_confidence(line: &Line, words: std::ops::Range<usize>, factor: f64) -> f64 {
    let own: Vec<u32> = line
        .text
        .split(' ')
        .zip(&line.words)
        .enumerate()
        .filter(|(i, (w, _))| words.contains(i) && w.chars().any(char::is_alphanumeric))
        .map(|(_, (_, c))| u32::from(*c))
        .collect();
    let mean = match own.len() {
        0 => line.confidence,
        n => (own.iter().sum::<u32>() / n as u32) as u8,
    };
    of_words(line, mean.min(line.confidence), factor)
}

fn of_words(line: &Line, confidence: u8, factor: f64) -> f64 {
    let doubt = if line.doubtful { 0.85 } else { 1.0 };
    (f64::from(confidence.min(100)) / 100.0 * factor * doubt * 100.0).round() / 100.0
}

fn put(out: &mut Suggestions, field: &str, value: String, confidence: f64) {
    if confidence >= FLOOR && !out.contains_key(field) {
        out.insert(field.to_owned(), Suggestion { value, confidence });
    }
}

fn labelled(
    rules: &Rules,
    kind: DocumentKind,
    lines: &[Line],
    folded: &[Folded],
    today: NaiveDate,
    out: &mut Suggestions,
) {
    for (i, f) in folded.iter().enumerate() {
        for (label, field_index) in &rules.labels {
            let field = &rules.fields[*field_index];
            if out.contains_key(&field.name)
                || rules.skips(kind, &field.name)
                || (!field.kinds.is_empty() && !field.kinds.iter().any(|k| k == kind.code()))
            {
                continue;
            }
            let Some((_, end)) = f.find_word(label, 0) else {
                continue;
            };
            let Some(start) = value_start(&f.folded, end) else {
                continue;
            };
            // The value ends where another label begins on the same line.
            let stop = rules
                .labels
                .iter()
                .filter_map(|(l, _)| f.find_word(l, start))
                .map(|(a, _)| a)
                .min()
                .unwrap_or(f.folded.len());
            let mut value = clean(&f.original(start, stop));
            let mut line = &lines[i];
            let mut words = f.words(start, stop);
            if value.is_empty()
                && let Some(next) = lines.get(i + 1)
                && next.page == line.page
                && !next.text.contains(':')
            {
                value = clean(&next.text);
                line = next;
                words = 0..usize::MAX;
            }
            if let Some((value, factor)) = parse(rules, field.kind, &value, today) {
                put(
                    out,
                    &field.name,
                    value,
                    value_confidence(line, words, factor),
                );
            }
        }
    }
}

mod blocks;
mod values;

use values::{clean, id, name, parse, value_start, ymd};

#[cfg(test)]
mod tests;
