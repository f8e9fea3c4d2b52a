//! Free text people type into sohoa (names, numbers, notes, reasons): trimmed,
//! bounded, and free of control characters that would corrupt a printout, a
//! log line or a signed certificate. One rule for every field.

// What the text rules accept, as ECMA-262 / Python regular expressions for
// the OpenAPI document. Spaces around a value are trimmed (Rust's
// `char::is_whitespace`, spelled out: Python's `\s` differs), what is left
// may hold no control character but, in a paragraph, line breaks and tabs.

/// The spaces [`str::trim`] removes (`char::is_whitespace`), as a class body.
pub const SPACE_CLASS: &str =
    r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";

/// A required [`line`].
pub const REQUIRED_LINE_PATTERN: &str = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\x00-\x1f\x7f-\x9f](?:[^\x00-\x1f\x7f-\x9f]*[^\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\x00-\x1f\x7f-\x9f])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$";
/// A required [`paragraph`].
pub const REQUIRED_PARAGRAPH_PATTERN: &str = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f](?:[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$";
/// An optional [`line`].
pub const LINE_PATTERN: &str = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(?:[^\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\x00-\x1f\x7f-\x9f](?:[^\x00-\x1f\x7f-\x9f]*[^\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\x00-\x1f\x7f-\x9f])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*)?$";
/// An optional [`paragraph`].
pub const PARAGRAPH_PATTERN: &str = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(?:[^\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f](?:[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*[^\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*)?$";

/// A one-line field: `None` when empty, or why it is refused.
pub fn line(field: &str, value: &str, max: usize) -> Result<Option<String>, String> {
    checked(field, value, max, false)
}

/// A field that may span lines (notes, reasons).
pub fn paragraph(field: &str, value: &str, max: usize) -> Result<Option<String>, String> {
    checked(field, value, max, true)
}

fn checked(field: &str, value: &str, max: usize, lines: bool) -> Result<Option<String>, String> {
    // Counted as sent, spaces included: what the OpenAPI document's
    // maxLength says.
    if value.chars().count() > max {
        return Err(format!("{field} is longer than {max} characters"));
    }
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let allowed = |c: char| lines && (c == '\n' || c == '\r' || c == '\t');
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(format!("{field} contains control characters"));
    }
    Ok(Some(value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_empty_text_is_none() {
        assert_eq!(
            line("signer", "  Trần Văn Bình ", 200),
            Ok(Some("Trần Văn Bình".into()))
        );
        assert_eq!(line("signer", "   ", 200), Ok(None));
    }

    #[test]
    fn overlong_text_and_control_characters_are_refused_with_the_field_named() {
        assert_eq!(
            line("signer", &"x".repeat(201), 200),
            Err("signer is longer than 200 characters".into())
        );
        assert!(
            line("officer", "Lê\u{0}Hoa", 200)
                .unwrap_err()
                .contains("officer")
        );
        assert!(line("scope", "toàn\nquốc", 200).is_err());
        assert_eq!(
            paragraph("note", "thiếu dấu\ngiáp lai", 2000),
            Ok(Some("thiếu dấu\ngiáp lai".into()))
        );
    }

    #[test]
    fn the_documented_text_patterns_match_exactly_what_is_accepted() {
        let required_line = regex::Regex::new(REQUIRED_LINE_PATTERN).unwrap();
        let required_paragraph = regex::Regex::new(REQUIRED_PARAGRAPH_PATTERN).unwrap();
        let paragraph_pattern = regex::Regex::new(PARAGRAPH_PATTERN).unwrap();
        let line_pattern = regex::Regex::new(LINE_PATTERN).unwrap();
        for value in [
            "",
            " ",
            "\t",
            "\n",
            " a ",
            "Trần Văn Bình",
            "a\nb",
            "a\tb",
            "a\r\nb",
            "a\u{0}",
            "a\u{7}b",
            "\u{b}",
            "a\u{1f}",
            "a\u{7f}",
            "a\u{85}",
            "\u{a0}",
            "\u{3000}x",
            "\u{a0}\u{2028}",
            "ư\u{9f}",
            "\u{b}a",
            "a\u{c}",
            "\u{85}a\u{85}",
            "\u{1c}",
            "a\u{b}b",
            "\u{2000}\u{3000}",
        ] {
            let is_line = line("f", value, 100);
            assert_eq!(
                required_line.is_match(value),
                matches!(is_line, Ok(Some(_))),
                "{value:?}"
            );
            let is_paragraph = paragraph("f", value, 100);
            assert_eq!(
                required_paragraph.is_match(value),
                matches!(is_paragraph, Ok(Some(_))),
                "{value:?}"
            );
            assert_eq!(
                paragraph_pattern.is_match(value),
                is_paragraph.is_ok(),
                "{value:?}"
            );
            assert_eq!(line_pattern.is_match(value), is_line.is_ok(), "{value:?}");
        }
    }

    #[test]
    fn length_is_counted_as_sent_spaces_included() {
        assert!(line("f", &format!("{} ", "a".repeat(10)), 10).is_err());
        assert!(line("f", &"ư".repeat(10), 10).is_ok());
    }
}
