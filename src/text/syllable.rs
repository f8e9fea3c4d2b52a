//! Whether a word can be a Vietnamese syllable: an onset, a rhyme (with its
//! medial glide, nucleus and coda) and one tone, by the rules of the
//! orthography — c/k/q, g/gh and ng/ngh spelled as they must be before front
//! vowels, and a rhyme ending in a stop (c, ch, p, t) taking only the sắc or
//! nặng tone. Letters are read decomposed (NFD), so a word typed with
//! combining marks is judged the same as one with precomposed letters.

use unicode_normalization::UnicodeNormalization;

/// The six tones; `Level` (ngang) has no mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tone {
    Level,
    Acute,
    Grave,
    Hook,
    Tilde,
    Dot,
}

impl Tone {
    fn of_mark(mark: char) -> Option<Self> {
        match mark {
            '\u{301}' => Some(Tone::Acute),
            '\u{300}' => Some(Tone::Grave),
            '\u{309}' => Some(Tone::Hook),
            '\u{303}' => Some(Tone::Tilde),
            '\u{323}' => Some(Tone::Dot),
            _ => None,
        }
    }

    pub fn mark(self) -> Option<char> {
        match self {
            Tone::Level => None,
            Tone::Acute => Some('\u{301}'),
            Tone::Grave => Some('\u{300}'),
            Tone::Hook => Some('\u{309}'),
            Tone::Tilde => Some('\u{303}'),
            Tone::Dot => Some('\u{323}'),
        }
    }

    pub const ALL: [Tone; 6] = [
        Tone::Level,
        Tone::Acute,
        Tone::Grave,
        Tone::Hook,
        Tone::Tilde,
        Tone::Dot,
    ];
}

/// A word split into its letters without tone (lower case, precomposed:
/// `ươ`, `ê`, `đ`) and its one tone; none when it has two tone marks or a
/// character that is not a Vietnamese letter.
pub fn untoned(word: &str) -> Option<(String, Tone)> {
    let mut letters = String::with_capacity(word.len());
    let mut tone = Tone::Level;
    for c in word.nfd().flat_map(char::to_lowercase) {
        if let Some(t) = Tone::of_mark(c) {
            if tone != Tone::Level {
                return None;
            }
            tone = t;
        } else if c == '\u{306}'
            || c == '\u{302}'
            || c == '\u{31B}'
            || c.is_ascii_lowercase()
            || c == 'đ'
        {
            letters.push(c);
        } else {
            return None;
        }
    }
    let letters: String = letters.nfc().collect();
    (!letters.is_empty()).then_some((letters, tone))
}

/// Onsets, longest first so that `ngh` is tried before `ng` and `n`.
const ONSETS: [&str; 27] = [
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
];

/// Every rhyme: medial glide, nucleus and coda, as written.
const RHYMES: &[&str] = &[
    // a, ă, â
    "a", "ac", "ach", "ai", "am", "an", "ang", "anh", "ao", "ap", "at", "au", "ay", "ăc", "ăm",
    "ăn", "ăng", "ăp", "ăt", "âc", "âm", "ân", "âng", "âp", "ât", "âu", "ây", // e, ê
    "e", "ec", "em", "en", "eng", "eo", "ep", "et", "ê", "êch", "êm", "ên", "ênh", "êp", "êt",
    "êu", // i, iê, y, yê
    "i", "ia", "ich", "im", "in", "inh", "ip", "it", "iu", "iêc", "iêm", "iên", "iêng", "iêp",
    "iêt", "iêu", "y", "yêm", "yên", "yêt", "yêu", // o, ô, ơ
    "o", "oc", "oi", "om", "on", "ong", "ooc", "oong", "op", "ot", "ô", "ôc", "ôi", "ôm", "ôn",
    "ông", "ôp", "ôt", "ơ", "ơi", "ơm", "ơn", "ơp", "ơt", // u, uô, ư, ươ
    "u", "ua", "uc", "ui", "um", "un", "ung", "up", "ut", "uôc", "uôi", "uôm", "uôn", "uông",
    "uôt", "ư", "ưa", "ưc", "ưi", "ưm", "ưn", "ưng", "ưt", "ưu", "ươc", "ươi", "ươm", "ươn",
    "ương", "ươp", "ươt", "ươu", // with the medial glide o/u
    "oa", "oac", "oach", "oai", "oam", "oan", "oang", "oanh", "oao", "oap", "oat", "oay", "oăc",
    "oăm", "oăn", "oăng", "oăt", "oe", "oen", "oeo", "oet", "uâ", "uân", "uâng", "uât", "uây",
    "uê", "uêch", "uênh", "uy", "uych", "uynh", "uyp", "uyt", "uyu", "uya", "uyên", "uyêt", "uơ",
];

/// Rhymes after `qu`, whose `u` is the medial glide: `qua`, `quân`, `quyết`…
const QU_RHYMES: &[&str] = &[
    "a", "ac", "ach", "ai", "am", "an", "ang", "anh", "ao", "at", "ay", "ăc", "ăm", "ăn", "ăng",
    "ăt", "ân", "âng", "ât", "ây", "e", "en", "eo", "et", "ê", "êch", "ên", "ênh", "i", "y", "ynh",
    "yt", "yên", "yêt", "ơ", "ôc",
];

/// Whether `rhyme` ends in a stop consonant (then only sắc or nặng).
fn ends_in_stop(rhyme: &str) -> bool {
    rhyme.ends_with('c') || rhyme.ends_with("ch") || rhyme.ends_with('p') || rhyme.ends_with('t')
}

fn front(rhyme: &str) -> bool {
    matches!(rhyme.chars().next(), Some('i' | 'e' | 'ê' | 'y'))
}

/// Whether `onset` may be spelled before `rhyme`.
fn spelled_right(onset: &str, rhyme: &str) -> bool {
    match onset {
        "c" | "g" | "ng" => !front(rhyme),
        "k" => front(rhyme),
        "gh" | "ngh" => matches!(rhyme.chars().next(), Some('i' | 'e' | 'ê')),
        // `gi` + a rhyme that is not itself `i…`: giá, gìn is g + ìn.
        "gi" => !rhyme.starts_with('i'),
        _ => true,
    }
}

/// Whether `word` (one token, letters only) can be a Vietnamese syllable.
pub fn is_syllable(word: &str) -> bool {
    shaped(word, true)
}

/// Whether `word` has a syllable's letters, whatever its tone: `QUYÊT` does
/// (a mark was lost), `UBND` does not (an acronym).
pub fn has_syllable_letters(word: &str) -> bool {
    shaped(word, false)
}

fn shaped(word: &str, judge_tone: bool) -> bool {
    let Some((letters, tone)) = untoned(word) else {
        return false;
    };
    let stop_ok = |rhyme: &str| {
        !judge_tone || !ends_in_stop(rhyme) || matches!(tone, Tone::Acute | Tone::Dot)
    };
    if RHYMES.contains(&letters.as_str()) && stop_ok(&letters) {
        return true;
    }
    ONSETS.iter().any(|onset| {
        let Some(rhyme) = letters.strip_prefix(onset) else {
            return false;
        };
        let rhymes = if *onset == "qu" { QU_RHYMES } else { RHYMES };
        // `gi` alone is a syllable (gì): its i is the nucleus.
        let gi_alone = *onset == "gi" && rhyme.is_empty();
        (gi_alone || (rhymes.contains(&rhyme) && spelled_right(onset, rhyme))) && stop_ok(rhyme)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_syllables_of_papers_are_syllables() {
        for word in [
            "CỘNG",
            "Quốc",
            "quên",
            "HÒA",
            "XÃ",
            "HỘI",
            "CHỦ",
            "NGHĨA",
            "VIỆT",
            "NAM",
            "Độc",
            "lập",
            "Tự",
            "do",
            "Hạnh",
            "phúc",
            "GIẤY",
            "KHAI",
            "SINH",
            "Họ",
            "chữ",
            "đệm",
            "tên",
            "Ngày",
            "tháng",
            "năm",
            "sinh",
            "quê",
            "quán",
            "quyết",
            "định",
            "nguyễn",
            "trường",
            "giấy",
            "gì",
            "khuya",
            "người",
            "ngoằn",
            "thuở",
            "xoong",
            "yêu",
            "ương",
            "kiểm",
            "ghế",
            "nghiêng",
        ] {
            assert!(is_syllable(word), "{word}");
        }
    }

    #[test]
    fn a_stop_coda_takes_only_the_sac_or_nang_tone() {
        assert!(is_syllable("Việt") && is_syllable("tốt") && is_syllable("học"));
        assert!(!is_syllable("Viềt") && !is_syllable("tột\u{309}"));
        assert!(!is_syllable("hoc"), "the level tone on a stop");
        assert!(!is_syllable("tôt"));
        assert!(!is_syllable("hỏc"));
        assert!(has_syllable_letters("hoc") && has_syllable_letters("QUYÊT"));
        assert!(!has_syllable_letters("UBND") && !has_syllable_letters("ĐKKD"));
    }

    #[test]
    fn misspellings_and_foreign_words_are_not_syllables() {
        for word in [
            "ce",
            "ghô",
            "ngô\u{300}\u{301}",
            "ngi",
            "qa",
            "UBND",
            "xyz",
            "tăo",
            "bw",
            "flat",
            "Ngay\u{323}\u{300}",
        ] {
            assert!(!is_syllable(word), "{word}");
        }
        assert!(is_syllable("ky") && is_syllable("kí") && is_syllable("kê") && is_syllable("ca"));
    }

    #[test]
    fn precomposed_and_combining_marks_are_judged_alike() {
        let composed = "Nguyễn";
        let decomposed: String = composed.nfd().collect();
        assert_ne!(composed, decomposed);
        assert!(is_syllable(composed) && is_syllable(&decomposed));
        assert_eq!(untoned("Nguyễn"), Some(("nguyên".into(), Tone::Tilde)));
    }
}
