//! Small checks shared by every form: trimmed text within a length, amounts of money in range.

use crate::error::{AppError, AppResult};

/// The largest amount one field may hold: $10,000,000.00. Far above any clinic's ticket, far
/// below where sums of many such amounts could overflow an `i64` (or lose precision in JS).
pub const MAX_CENTS: i64 = 1_000_000_000;

/// Trims `s` in place and makes its line breaks `\n` (text pasted from Windows); refuses it when
/// longer than `max` characters or when it holds another control character than newline and tab
/// (a NUL pasted from another program, an escape sequence).
pub fn trimmed(s: &mut String, field: &str, max: usize) -> AppResult<()> {
    *s = s.trim().replace("\r\n", "\n").replace('\r', "\n");
    text(s, field, max)
}

/// Text kept as typed (a password): at most `max` characters, no control character but newline
/// and tab.
pub fn text(s: &str, field: &str, max: usize) -> AppResult<()> {
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(AppError::validation(field, "control_characters"));
    }
    if s.chars().count() > max {
        return Err(AppError::validation(field, "too_long"));
    }
    Ok(())
}

/// `trimmed`, and it must not be empty.
pub fn required(s: &mut String, field: &str, max: usize) -> AppResult<()> {
    trimmed(s, field, max)?;
    if s.is_empty() {
        return Err(AppError::validation(field, "required"));
    }
    Ok(())
}

/// An amount of money in cents between 0 and `MAX_CENTS`.
pub fn cents(value: i64, field: &str) -> AppResult<i64> {
    if value < 0 {
        return Err(AppError::validation(field, "amount_negative"));
    }
    if value > MAX_CENTS {
        return Err(AppError::validation(field, "amount_too_large"));
    }
    Ok(value)
}

/// An amount of money in cents that must be above zero.
pub fn positive_cents(value: i64, field: &str) -> AppResult<i64> {
    if cents(value, field)? == 0 {
        return Err(AppError::validation(field, "amount_zero"));
    }
    Ok(value)
}

/// An optional RFC, trimmed and upper-cased in place: empty, or 3 letters (company) or 4 (person),
/// a real date YYMMDD and a 3-character homoclave.
pub fn rfc(value: &mut String, field: &str) -> AppResult<()> {
    *value = value.trim().to_uppercase();
    if value.is_empty() || is_rfc(value) { Ok(()) } else { Err(AppError::validation(field, "rfc_format")) }
}

fn is_rfc(rfc: &str) -> bool {
    let chars: Vec<char> = rfc.chars().collect();
    let letters = match chars.len() {
        12 => 3,
        13 => 4,
        _ => return false,
    };
    let is_letter = |c: &char| c.is_ascii_uppercase() || *c == 'Ñ' || *c == '&';
    if !chars[..letters].iter().all(is_letter) {
        return false;
    }
    let date: String = chars[letters..letters + 6].iter().collect();
    // YY is 19YY or 20YY: a date valid in either century (29 February 2000, not 1900) counts.
    let real = |century: &str| chrono::NaiveDate::parse_from_str(&format!("{century}{date}"), "%Y%m%d").is_ok();
    if !date.chars().all(|c| c.is_ascii_digit()) || !(real("19") || real("20")) {
        return false;
    }
    chars[letters + 6..].iter().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfcs_are_checked_with_their_date() {
        assert!(is_rfc("DMC900101AB1"), "company");
        assert!(is_rfc("GOMJ8001019Q8"), "person");
        assert!(is_rfc("ÑAN000229XY1"), "Ñ and a leap day");
        assert!(!is_rfc("DMC901301AB1"), "month 13");
        assert!(!is_rfc("DMC010229XY1"), "no 29 February in 2001");
        assert!(!is_rfc("DM900101AB1"), "two letters");
        assert!(!is_rfc("dmc900101ab1"), "lower case (parse upper-cases first)");
        let mut typed = " gomj8001019q8 ".to_string();
        rfc(&mut typed, "rfc").unwrap();
        assert_eq!(typed, "GOMJ8001019Q8");
        assert_eq!(rfc(&mut "XYZ".to_string(), "rfc"), Err(AppError::validation("rfc", "rfc_format")));
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        let mut s = "  Ana  ".to_string();
        trimmed(&mut s, "name", 3).unwrap();
        assert_eq!(s, "Ana");
        let mut long = "abcd".to_string();
        assert_eq!(trimmed(&mut long, "name", 3), Err(AppError::validation("name", "too_long")));
        let mut blank = "   ".to_string();
        assert_eq!(required(&mut blank, "name", 3), Err(AppError::validation("name", "required")));
        for bad in ["a\0b", "a\u{1b}[31mb", "a\u{7f}b", "a\u{85}b", "a\u{8}b"] {
            let mut s = bad.to_string();
            assert_eq!(
                trimmed(&mut s, "notes", 100),
                Err(AppError::validation("notes", "control_characters")),
                "{bad:?}"
            );
        }
        let mut fine = "línea 1\n\tlínea 2 🦶 ‏שלום‎ e\u{301}".to_string();
        trimmed(&mut fine, "notes", 100).unwrap();
        let mut windows = "uno\r\ndos\rtres".to_string();
        trimmed(&mut windows, "notes", 100).unwrap();
        assert_eq!(windows, "uno\ndos\ntres");
    }

    #[test]
    fn amounts_are_bounded() {
        assert_eq!(cents(0, "price"), Ok(0));
        assert_eq!(cents(-1, "price"), Err(AppError::validation("price", "amount_negative")));
        assert_eq!(cents(MAX_CENTS + 1, "price"), Err(AppError::validation("price", "amount_too_large")));
        assert_eq!(positive_cents(0, "amount"), Err(AppError::validation("amount", "amount_zero")));
    }
}
