//! The Vietnamese check of recognised words: a word that cannot be a
//! Vietnamese syllable, or that the recogniser doubted, is marked doubtful so
//! the review screen can highlight it; where exactly one change of tone or
//! vowel mark makes it a syllable found in the dictionary, that fix is
//! clearly right and is made (the raw word is kept beside it).

use std::collections::HashSet;

use unicode_normalization::UnicodeNormalization;

use super::syllable::{Tone, has_syllable_letters, is_syllable, untoned};

/// Below this confidence (0–100) the recogniser itself doubted a word.
pub const DOUBTFUL_CONFIDENCE: u8 = 60;

/// Common Vietnamese syllables and words (lower case, NFC), one per line.
#[derive(Debug, Clone, Default)]
pub struct Dictionary {
    words: HashSet<String>,
}

impl Dictionary {
    pub fn from_lines(text: &str) -> Self {
        Self {
            words: text
                .lines()
                .map(|l| {
                    l.trim()
                        .nfc()
                        .flat_map(char::to_lowercase)
                        .collect::<String>()
                })
                .filter(|w| !w.is_empty())
                .collect(),
        }
    }

    pub fn contains(&self, word: &str) -> bool {
        let lower: String = word.nfc().flat_map(char::to_lowercase).collect();
        self.words.contains(&lower)
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

/// What the check found for one word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The word to show: corrected when a fix was clearly right.
    pub text: String,
    /// The word as recognised, when it was corrected.
    pub raw: Option<String>,
    pub doubtful: bool,
}

/// The letters of a token, without the punctuation around it: `(Bản` → `Bản`.
fn core(token: &str) -> (&str, &str, &str) {
    let start = token
        .char_indices()
        .find(|(_, c)| c.is_alphanumeric())
        .map_or(token.len(), |(i, _)| i);
    let end = token
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_alphanumeric())
        .map_or(start, |(i, c)| i + c.len_utf8());
    (
        &token[..start],
        &token[start..end.max(start)],
        &token[end.max(start)..],
    )
}

/// An acronym or code (`UBND`, `ĐKKD`, `TM`): capitals whose letters cannot
/// spell a syllable, so there is no syllable to judge.
fn is_acronym(word: &str) -> bool {
    word.chars().any(char::is_alphabetic)
        && word.chars().all(|c| !c.is_lowercase())
        && !has_syllable_letters(word)
}

/// Marks and, where clearly right, corrects one recognised token.
pub fn check(token: &str, confidence: u8, dictionary: &Dictionary) -> Checked {
    let (before, word, after) = core(token);
    let sound = |doubtful| Checked {
        text: token.to_owned(),
        raw: None,
        doubtful,
    };
    let doubted = confidence < DOUBTFUL_CONFIDENCE;
    if word.is_empty() || !word.chars().all(char::is_alphabetic) {
        return sound(doubted);
    }
    if is_syllable(word) || dictionary.contains(word) || is_acronym(word) {
        return sound(doubted);
    }
    let fixes = candidates(word)
        .into_iter()
        .filter(|c| is_syllable(c) && dictionary.contains(c))
        .collect::<HashSet<_>>();
    if fixes.len() == 1 {
        let fixed = fixes.into_iter().next().unwrap_or_default();
        return Checked {
            text: format!("{before}{}{after}", same_case(word, &fixed)),
            raw: Some(token.to_owned()),
            doubtful: doubted,
        };
    }
    sound(true)
}

/// The word with one tone changed, or one vowel mark, or both.
fn candidates(word: &str) -> Vec<String> {
    let Some((letters, _)) = untoned(word) else {
        return Vec::new();
    };
    let mut shapes = vec![letters.clone()];
    let chars: Vec<char> = letters.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        for alt in variants(*c) {
            let mut changed = chars.clone();
            changed[i] = *alt;
            shapes.push(changed.into_iter().collect());
        }
    }
    let mut out = Vec::new();
    for shape in shapes {
        for tone in Tone::ALL {
            out.push(with_tone(&shape, tone));
        }
    }
    out
}

/// Letters that differ from `c` only by a vowel mark (or đ's bar).
fn variants(c: char) -> &'static [char] {
    match c {
        'a' => &['ă', 'â'],
        'ă' => &['a', 'â'],
        'â' => &['a', 'ă'],
        'e' => &['ê'],
        'ê' => &['e'],
        'o' => &['ô', 'ơ'],
        'ô' => &['o', 'ơ'],
        'ơ' => &['o', 'ô'],
        'u' => &['ư'],
        'ư' => &['u'],
        'd' => &['đ'],
        'đ' => &['d'],
        _ => &[],
    }
}

/// `letters` (untoned) with `tone` on the vowel the modern orthography puts
/// it on: the marked vowel (ơ, ê…) if any, else the last vowel before a
/// coda, else the first of two final vowels (except after the glides oa,
/// oe, uy, which take it on the second).
fn with_tone(letters: &str, tone: Tone) -> String {
    let Some(mark) = tone.mark() else {
        return letters.to_owned();
    };
    let chars: Vec<char> = letters.chars().collect();
    let vowel = |c: &char| "aăâeêioôơuưy".contains(*c);
    let positions: Vec<usize> = (0..chars.len()).filter(|i| vowel(&chars[*i])).collect();
    // The u of qu and the i of gi are not the nucleus.
    let positions: Vec<usize> = positions
        .into_iter()
        .filter(|&i| {
            !(i == 1
                && ((chars[0] == 'q' && chars[1] == 'u') || (chars[0] == 'g' && chars[1] == 'i')))
                || chars.len() == 2
        })
        .collect();
    let at = if let Some(&p) = positions
        .iter()
        .rev()
        .find(|&&i| "ăâêôơư".contains(chars[i]))
    {
        p
    } else {
        match positions.as_slice() {
            [] => return letters.to_owned(),
            [one] => *one,
            [.., a, b] => {
                let ends_open = *b == chars.len() - 1;
                let glide = matches!((chars[*a], chars[*b]), ('o', 'a') | ('o', 'e') | ('u', 'y'));
                if ends_open && !glide { *a } else { *b }
            }
        }
    };
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        out.push(*c);
        if i == at {
            out.push(mark);
        }
    }
    out.nfc().collect()
}

/// `fixed` in the case pattern of `like`: all capitals, a capital first, or lower.
fn same_case(like: &str, fixed: &str) -> String {
    if like.chars().all(|c| !c.is_lowercase()) {
        fixed.to_uppercase()
    } else if like.chars().next().is_some_and(char::is_uppercase) {
        let mut chars = fixed.chars();
        chars
            .next()
            .map(|f| f.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    } else {
        fixed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dictionary() -> Dictionary {
        Dictionary::from_lines("việt\nnam\nngày\ntháng\nnăm\nsinh\nhọ\ntên\nquyết\nđịnh\nhộ\n")
    }

    #[test]
    fn a_sound_word_is_left_as_it_is_and_a_doubted_one_is_marked() {
        let d = dictionary();
        assert_eq!(
            check("Ngày,", 91, &d),
            Checked {
                text: "Ngày,".into(),
                raw: None,
                doubtful: false
            }
        );
        assert!(check("Ngày", 40, &d).doubtful);
        assert!(!check("UBND", 90, &d).doubtful, "an acronym");
        assert!(!check("125/UBND-VP", 90, &d).doubtful, "a number");
    }

    #[test]
    fn one_clearly_right_fix_of_a_mark_is_made_and_the_raw_word_kept() {
        let d = dictionary();
        let fixed = check("Viềt", 85, &d);
        assert_eq!(fixed.text, "Việt");
        assert_eq!(fixed.raw.as_deref(), Some("Viềt"));
        assert!(!fixed.doubtful);
        assert_eq!(check("QUYÊT:", 80, &d).text, "QUYẾT:");
    }

    #[test]
    fn a_word_that_no_single_fix_makes_right_is_doubtful_and_unchanged() {
        let d = dictionary();
        let checked = check("Vxệt", 90, &d);
        assert_eq!((checked.text.as_str(), checked.doubtful), ("Vxệt", true));
        assert_eq!(checked.raw, None);
    }

    #[test]
    fn the_tone_goes_where_the_orthography_puts_it() {
        assert_eq!(with_tone("hoa", Tone::Grave), "hoà");
        assert_eq!(with_tone("viêt", Tone::Dot), "việt");
        assert_eq!(with_tone("nguyên", Tone::Tilde), "nguyễn");
        assert_eq!(with_tone("quyêt", Tone::Acute), "quyết");
        assert_eq!(with_tone("mai", Tone::Acute), "mái");
        assert_eq!(with_tone("giây", Tone::Acute), "giấy");
        assert_eq!(with_tone("gi", Tone::Grave), "gì");
    }
}
