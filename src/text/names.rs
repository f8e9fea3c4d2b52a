//! Vietnamese surnames: a name's first syllable read with a mark lost
//! ("NGUYÊN VĂN AN", "LỄ THỊ HOA") is the surname whose letters it has,
//! when the word stands where a name does.

use super::fold::fold;

/// Common surnames whose letters, marks aside, spell no word that heads a
/// line in capitals on a paper: Trương is left out for TRƯỞNG (chief),
/// Đặng for ĐĂNG (KÝ), Dương for ĐƯỜNG, Võ for VỢ, Vũ for VỤ, Đỗ for ĐÔ, Lý
/// for LY (HÔN), Đinh for ĐỊNH, Đào for ĐẠO, Hồ for HỌ, Hà for HẠ.
const SURNAMES: [&str; 9] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Bùi", "Ngô",
];

/// The surname `word` was meant to be, when it has a surname's letters but
/// not its marks; `None` when it is that surname already or none.
pub fn surname(word: &str) -> Option<&'static str> {
    let folded = fold(word);
    let name = SURNAMES.iter().find(|s| fold(s) == folded)?;
    let same = word.to_lowercase() == name.to_lowercase();
    (!same).then_some(*name)
}

/// Whether a line's words from `start` are a name in capitals: each word
/// all capitals, to the end of the line; two to four of them after a label
/// ("Họ và tên: LÊ HOA"), three or four for a whole line (a two-word line
/// in capitals is as often a heading).
pub fn is_capital_name(words: &[&str], start: usize) -> bool {
    let rest = &words[start.min(words.len())..];
    let fewest = if start == 0 { 3 } else { 2 };
    (fewest..=4).contains(&rest.len())
        && rest.iter().all(|w| {
            w.chars().any(char::is_alphabetic)
                && w.chars().all(|c| c.is_alphabetic() && !c.is_lowercase())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_surname_read_without_its_mark_is_given_it_back() {
        assert_eq!(surname("NGUYÊN"), Some("Nguyễn"));
        assert_eq!(surname("LỄ"), Some("Lê"));
        assert_eq!(surname("BUI"), Some("Bùi"));
        assert_eq!(surname("TRƯỞNG"), None, "a chief, not Trương");
        assert_eq!(surname("NGUYỄN"), None);
        assert_eq!(surname("Trần"), None);
        assert_eq!(surname("VĂN"), None);
    }

    #[test]
    fn a_name_is_two_to_four_capital_words_to_the_end_of_the_line() {
        assert!(is_capital_name(
            &["Họ", "và", "tên:", "NGUYÊN", "VĂN", "AN"],
            3
        ));
        assert!(!is_capital_name(&["NGUYÊN", "VĂN", "AN", "sinh"], 0));
        assert!(!is_capital_name(&["GIẤY"], 0));
        assert!(!is_capital_name(&["NGUYÊN", "ĐƠN"], 0));
        assert!(is_capital_name(&["tên:", "LÊ", "HOA"], 1));
        assert!(!is_capital_name(&["NGUYỄN", "15/03/1990"], 0));
    }
}
