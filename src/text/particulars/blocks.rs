//! The two blocks of a Decree 30/2020 paper read by their place rather than
//! a label: the header (agency, "Số: …", the date line) on the first page,
//! and the signer's block at the end of the last.

use chrono::NaiveDate;

use super::{Folded, Line, Rules, clean, confidence, name, put, ymd};
use crate::domain::particulars::Suggestions;
use crate::text::fold::fold;

pub(super) fn header(
    rules: &Rules,
    lines: &[Line],
    folded: &[Folded],
    today: NaiveDate,
    wanted: &dyn Fn(&str) -> bool,
    out: &mut Suggestions,
) {
    let Some(first) = lines.first().map(|l| l.page) else {
        return;
    };
    let head: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].page == first)
        .take(rules.header.lines)
        .collect();
    let mut number_line = None;
    for &i in &head {
        let f = &folded[i];
        if number_line.is_none()
            && let Some(c) = rules.number.captures(&f.folded)
        {
            let m = c.get(1).expect("group 1");
            let value = f.original(m.start(), m.end());
            number_line = Some(i);
            if wanted("document_number") {
                put(out, "document_number", value, confidence(&lines[i], 0.9));
            }
        }
        if wanted("issued_on")
            && !out.contains_key("issued_on")
            && let Some(c) = rules.date_words.captures(&f.folded)
            && let Some(d) = ymd(&c[3], &c[2], &c[1], today)
        {
            put(out, "issued_on", d.to_string(), confidence(&lines[i], 0.95));
        }
    }
    if !wanted("issuing_agency") {
        return;
    }
    let before = head
        .iter()
        .copied()
        .filter(|&i| number_line.is_none_or(|n| i < n));
    let mut agency = None;
    for i in before {
        let f = &folded[i];
        let cut = rules
            .header
            .motto
            .iter()
            .filter_map(|m| f.folded.find(m.as_str()))
            .min()
            .unwrap_or(f.folded.len());
        let value = clean(&f.original(0, cut));
        let v = fold(&value);
        let starts = rules.header.agency_words.iter().any(|w| {
            v.strip_prefix(w.as_str())
                .is_some_and(|rest| rest.starts_with(' '))
        });
        let letters: Vec<char> = value.chars().filter(|c| c.is_alphabetic()).collect();
        let capitals = letters.iter().filter(|c| c.is_uppercase()).count();
        if starts && value.split_whitespace().count() >= 2 && capitals * 10 >= letters.len() * 9 {
            agency = Some((value, i));
        }
    }
    if let Some((value, i)) = agency {
        put(out, "issuing_agency", value, confidence(&lines[i], 0.85));
    }
}

pub(super) fn signer(rules: &Rules, lines: &[Line], folded: &[Folded], out: &mut Suggestions) {
    let capacity = |f: &Folded, line: &Line| {
        let t = f.folded.trim_start();
        let letters: Vec<char> = line.text.chars().filter(|c| c.is_alphabetic()).collect();
        let capitals = letters.iter().filter(|c| c.is_uppercase()).count();
        !letters.is_empty()
            && capitals * 10 >= letters.len() * 8
            && rules.signer.capacity.iter().any(|w| {
                t.strip_prefix(w.as_str()).is_some_and(|rest| {
                    w.ends_with('.') || rest.is_empty() || rest.starts_with(' ')
                })
            })
    };
    let Some(last_page) = lines.last().map(|l| l.page) else {
        return;
    };
    let Some(from) = (0..lines.len())
        .rev()
        .filter(|&i| lines[i].page == last_page)
        .find(|&i| capacity(&folded[i], &lines[i]) || folded[i].find_word("noi nhan", 0).is_some())
    else {
        return;
    };
    for i in from + 1..lines.len().min(from + 10) {
        let f = &folded[i];
        if rules
            .signer
            .skip
            .iter()
            .any(|s| f.find_word(s, 0).is_some())
            || capacity(f, &lines[i])
        {
            continue;
        }
        // The whole line is the name (marks of the signature or seal
        // around it aside), and it begins with a surname.
        let words: Vec<&str> = lines[i]
            .text
            .split_whitespace()
            .map(|w| w.trim_matches(|c: char| !c.is_alphabetic()))
            .filter(|w| !w.is_empty())
            .collect();
        let best = name(rules, &words.join(" "), true)
            .filter(|n| n.surname)
            .map(|n| (n.value, n.factor));
        if let Some((value, factor)) = best {
            put(out, "signer", value, confidence(&lines[i], factor * 0.95));
            return;
        }
    }
}
