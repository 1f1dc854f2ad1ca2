//! Small checks shared by every form: trimmed text within a length, amounts of money in range.

use crate::error::{AppError, AppResult};

/// The largest amount one field may hold: $10,000,000.00. Far above any clinic's ticket, far
/// below where sums of many such amounts could overflow an `i64` (or lose precision in JS).
pub const MAX_CENTS: i64 = 1_000_000_000;

/// Trims `s` in place; refuses it when longer than `max` characters.
pub fn trimmed(s: &mut String, field: &str, max: usize) -> AppResult<()> {
    *s = s.trim().to_string();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded() {
        let mut s = "  Ana  ".to_string();
        trimmed(&mut s, "name", 3).unwrap();
        assert_eq!(s, "Ana");
        let mut long = "abcd".to_string();
        assert_eq!(trimmed(&mut long, "name", 3), Err(AppError::validation("name", "too_long")));
        let mut blank = "   ".to_string();
        assert_eq!(required(&mut blank, "name", 3), Err(AppError::validation("name", "required")));
    }

    #[test]
    fn amounts_are_bounded() {
        assert_eq!(cents(0, "price"), Ok(0));
        assert_eq!(cents(-1, "price"), Err(AppError::validation("price", "amount_negative")));
        assert_eq!(cents(MAX_CENTS + 1, "price"), Err(AppError::validation("price", "amount_too_large")));
        assert_eq!(positive_cents(0, "amount"), Err(AppError::validation("amount", "amount_zero")));
    }
}
