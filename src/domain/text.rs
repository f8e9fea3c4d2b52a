//! Free text people type into sohoa (names, numbers, notes, reasons): trimmed,
//! bounded, and free of control characters that would corrupt a printout, a
//! log line or a signed certificate. One rule for every field.

/// A one-line field: `None` when empty, or why it is refused.
pub fn line(field: &str, value: &str, max: usize) -> Result<Option<String>, String> {
    checked(field, value, max, false)
}

/// A field that may span lines (notes, reasons).
pub fn paragraph(field: &str, value: &str, max: usize) -> Result<Option<String>, String> {
    checked(field, value, max, true)
}

fn checked(field: &str, value: &str, max: usize, lines: bool) -> Result<Option<String>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().count() > max {
        return Err(format!("{field} is longer than {max} characters"));
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
}
