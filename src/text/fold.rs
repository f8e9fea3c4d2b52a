//! Folding Vietnamese for matching: lower case, every tone and vowel mark
//! dropped, and đ/Đ made d — "Đặng Thị Hồng" folds to "dang thi hong".
//! Precomposed (NFC) and decomposed (NFD) input fold alike.

use unicode_normalization::UnicodeNormalization;

/// `text` folded: lower case, marks dropped, đ → d.
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
