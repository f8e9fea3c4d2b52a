//! Folding Vietnamese for matching: lower case, every tone and vowel mark
//! dropped, and đ/Đ made d — "Đặng Thị Hồng" folds to "dang thi hong".
//! Precomposed (NFC) and decomposed (NFD) input fold alike. Search indexes
//! and queries are folded here, once, for both backends.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// `text` folded: lower case, marks dropped, đ → d.
pub fn fold(text: &str) -> String {
    let mut folded = once(text);
    // Lower-casing a few letters outside Vietnamese (İ) yields a mark again:
    // fold until nothing changes, so folding is idempotent for any text.
    for _ in 0..3 {
        let again = once(&folded);
        if again == folded {
            break;
        }
        folded = again;
    }
    folded
}

fn once(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter(|c| !is_combining_mark(*c))
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn marks_case_and_the_barred_d_fold_away() {
        assert_eq!(fold("NGUYỄN VĂN A"), "nguyen van a");
        assert_eq!(fold("Đình"), "dinh");
        assert_eq!(fold("Hồ Chí Minh"), "ho chi minh");
        assert_eq!(fold("1312/UBND-VP"), "1312/ubnd-vp");
    }

    #[test]
    fn precomposed_and_decomposed_letters_fold_alike() {
        let composed = "Trường Đại học Huế";
        let decomposed: String = composed.nfd().collect();
        assert_eq!(fold(composed), fold(&decomposed));
        assert_eq!(fold(&fold(composed)), fold(composed));
    }

    /// Every letter of the Vietnamese alphabet, in each of its tones, both cases.
    fn vietnamese_letters() -> Vec<char> {
        let bases = "aăâeêioôơuưy";
        let tones = ['\0', '\u{300}', '\u{301}', '\u{309}', '\u{303}', '\u{323}'];
        let mut letters: Vec<char> = "bcdđghklmnpqrstvx".chars().collect();
        for base in bases.chars() {
            for tone in tones {
                let mut s = String::from(base);
                if tone != '\0' {
                    s.push(tone);
                }
                letters.extend(s.nfc());
            }
        }
        let upper: Vec<char> = letters.iter().flat_map(|c| c.to_uppercase()).collect();
        letters.extend(upper);
        letters
    }

    #[test]
    fn every_vietnamese_letter_folds_to_one_ascii_letter() {
        let letters = vietnamese_letters();
        assert_eq!(letters.len(), 2 * (17 + 12 * 6));
        for c in letters {
            let folded = fold(&c.to_string());
            assert_eq!(folded.chars().count(), 1, "{c} folds to {folded:?}");
            assert!(
                folded.chars().all(|f| f.is_ascii_lowercase()),
                "{c} → {folded}"
            );
        }
    }

    proptest! {
        #[test]
        fn folding_twice_is_folding_once(text in any::<String>()) {
            let once = fold(&text);
            prop_assert_eq!(fold(&once), once);
        }

        #[test]
        fn nfc_and_nfd_input_fold_the_same(text in any::<String>()) {
            let nfc: String = text.nfc().collect();
            let nfd: String = text.nfd().collect();
            prop_assert_eq!(fold(&nfc), fold(&nfd));
        }

        #[test]
        fn vietnamese_text_folds_to_ascii(
            picks in proptest::collection::vec((0usize..178, any::<bool>()), 0..60)
        ) {
            let letters = vietnamese_letters();
            let text: String = picks
                .iter()
                .map(|(i, space)| if *space { ' ' } else { letters[i % letters.len()] })
                .collect();
            let nfd: String = text.nfd().collect();
            prop_assert!(fold(&text).is_ascii());
            prop_assert_eq!(fold(&text), fold(&nfd));
        }
    }
}
