use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::validate::trimmed;

/// A patient's sex, as the record offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Other,
}

impl Sex {
    /// Every option, in the order the form lists them.
    pub const ALL: [Sex; 3] = [Sex::Female, Sex::Male, Sex::Other];
}

/// Which diabetes the patient has, if any (it raises the foot's risk).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "lowercase")]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum Diabetes {
    #[default]
    None,
    Type1,
    Type2,
    Gestational,
    Other,
}

impl Diabetes {
    /// Every option, in the order the form lists them.
    pub const ALL: [Diabetes; 5] =
        [Diabetes::None, Diabetes::Type1, Diabetes::Type2, Diabetes::Gestational, Diabetes::Other];
}

/// A patient's record, with the podiatric history that matters at the desk and in the chair.
/// (`Default` is the empty record, id nil: a form's start.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    /// Made by the client (UUID v7).
    pub id: Uuid,
    pub first_name: String,
    pub last_names: String,
    pub birth_date: Option<NaiveDate>,
    pub sex: Option<Sex>,
    pub phone: String,
    pub phone_alt: String,
    pub email: String,
    pub address: String,
    pub emergency_contact: String,
    pub emergency_phone: String,
    pub diabetes: Diabetes,
    pub vascular_disease: bool,
    pub anticoagulants: bool,
    pub allergies: String,
    pub history_notes: String,
    /// The CURP (RENAPO's population key), when the patient gives it: checked, never generated.
    #[serde(default)]
    pub curp: Option<String>,
    /// Read-only: set by `archive_patient`.
    pub archived: bool,
    /// Read-only: the version of the record, as the server last changed it (`null` for a new
    /// patient). An update sends back the version it was made on: if the record changed since
    /// (another desk, or an update kept through an outage), it is refused (`patient_changed`),
    /// never written over the newer one.
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// One line of a search result or duplicate warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct PatientSummary {
    pub id: Uuid,
    pub full_name: String,
    pub birth_date: Option<NaiveDate>,
    pub phone: String,
    /// Diabetes, vascular disease or anticoagulants: flagged in lists.
    pub at_risk: bool,
}

/// What creating a patient did: created it, or found likely duplicates and waited for confirmation.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct CreatePatientOutcome {
    pub created: Option<Patient>,
    pub possible_duplicates: Vec<PatientSummary>,
}

impl Patient {
    /// Trims and checks what the form sent; today is the clinic's local date.
    pub fn parse(mut self, today: NaiveDate) -> AppResult<Self> {
        trimmed(&mut self.first_name, "firstName", crate::limits::PATIENT_FIRST_NAME)?;
        trimmed(&mut self.last_names, "lastNames", crate::limits::PATIENT_LAST_NAMES)?;
        if self.first_name.is_empty() {
            return Err(AppError::validation("firstName", "required"));
        }
        if let Some(b) = self.birth_date
            && (b > today || b < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(b))
        {
            return Err(AppError::validation("birthDate", "out_of_range"));
        }
        for (value, field) in [
            (&mut self.phone, "phone"),
            (&mut self.phone_alt, "phoneAlt"),
            (&mut self.emergency_phone, "emergencyPhone"),
        ] {
            trimmed(value, field, crate::limits::PATIENT_PHONE)?;
            let digits = value.chars().filter(char::is_ascii_digit).count();
            let allowed = value.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
            if !value.is_empty() && (!allowed || !(7..=15).contains(&digits)) {
                return Err(AppError::validation(field, "phone_format"));
            }
        }
        trimmed(&mut self.email, "email", crate::limits::PATIENT_EMAIL)?;
        if !self.email.is_empty() && !looks_like_email(&self.email) {
            return Err(AppError::validation("email", "email_format"));
        }
        trimmed(&mut self.address, "address", crate::limits::PATIENT_ADDRESS)?;
        trimmed(&mut self.emergency_contact, "emergencyContact", crate::limits::PATIENT_EMERGENCY_CONTACT)?;
        trimmed(&mut self.allergies, "allergies", crate::limits::PATIENT_ALLERGIES)?;
        trimmed(&mut self.history_notes, "historyNotes", crate::limits::PATIENT_HISTORY_NOTES)?;
        self.curp = match self.curp.map(|c| c.trim().to_uppercase()) {
            None => None,
            Some(c) if c.is_empty() => None,
            Some(c) if is_curp(&c) => Some(c),
            Some(_) => return Err(AppError::validation("curp", "curp_format")),
        };
        Ok(self)
    }

    /// Diabetes, vascular disease or anticoagulants: the flag lists show (the server computes the
    /// same in its queries).
    pub fn at_risk(&self) -> bool {
        self.diabetes != Diabetes::None || self.vascular_disease || self.anticoagulants
    }

    /// The last ten digits of the main phone: how duplicates are matched (+52 prefixes vary).
    pub fn phone_key(&self) -> String {
        phone_key(&self.phone)
    }
}

/// The last ten digits of a phone: how duplicates are matched (+52 prefixes vary).
pub fn phone_key(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len().saturating_sub(10)..].to_string()
}

/// RENAPO's shape of a CURP (18 characters: name letters, a real birth date, sex, the state of
/// birth or NE, three consonants, a differentiator) whose 18th character is the check digit of the
/// other 17. The database holds the same (`curp_ok`), but for the date, which it only bounds.
pub fn is_curp(curp: &str) -> bool {
    const STATES: [&str; 33] = [
        "AS", "BC", "BS", "CC", "CL", "CM", "CS", "CH", "DF", "DG", "GT", "GR", "HG", "JC", "MC", "MN", "MS", "NT",
        "NL", "OC", "PL", "QT", "QR", "SP", "SL", "SR", "TC", "TS", "TL", "VZ", "YN", "ZS", "NE",
    ];
    const ALPHABET: &str = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ";
    let c: Vec<char> = curp.chars().collect();
    if c.len() != 18 {
        return false;
    }
    let consonant = |x: &char| x.is_ascii_uppercase() && !"AEIOU".contains(*x);
    let digits = |r: std::ops::Range<usize>| c[r].iter().all(char::is_ascii_digit);
    let shape = c[0].is_ascii_uppercase()
        && "AEIOUX".contains(c[1])
        && c[2..4].iter().all(char::is_ascii_uppercase)
        && digits(4..10)
        && "HMX".contains(c[10])
        && STATES.contains(&c[11..13].iter().collect::<String>().as_str())
        && c[13..16].iter().all(consonant)
        && (c[16].is_ascii_digit() || c[16].is_ascii_uppercase())
        && c[17].is_ascii_digit();
    if !shape {
        return false;
    }
    // The differentiator is a digit for a birth in the 1900s and a letter from 2000 on.
    let century = if c[16].is_ascii_digit() { "19" } else { "20" };
    let date: String = c[4..10].iter().collect();
    if chrono::NaiveDate::parse_from_str(&format!("{century}{date}"), "%Y%m%d").is_err() {
        return false;
    }
    let sum: usize =
        c[..17].iter().enumerate().map(|(i, x)| ALPHABET.chars().position(|a| a == *x).unwrap_or(0) * (18 - i)).sum();
    c[17].to_digit(10) == Some(((10 - sum % 10) % 10) as u32)
}

fn looks_like_email(s: &str) -> bool {
    let mut parts = s.split('@');
    matches!((parts.next(), parts.next(), parts.next()), (Some(user), Some(host), None)
        if !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.') && !s.contains(' '))
}

/// Lowercase without accents, as the database's `search_name` column is built.
pub fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_accents_and_case() {
        assert_eq!(fold("José GONZÁLEZ Muñoz"), "jose gonzalez munoz");
    }

    #[test]
    fn a_curp_needs_its_shape_a_real_date_and_its_check_digit() {
        // RENAPO's own example.
        assert!(is_curp("HEGG560427MVZRRL04"));
        assert!(!is_curp("HEGG560427MVZRRL05"), "check digit");
        assert!(!is_curp("HEGG560231MVZRRL04"), "31 February");
        assert!(!is_curp("HEGG560427MXXRRL04"), "state");
        assert!(!is_curp("HEGG560427MVZRRL0"), "length");
        assert!(!is_curp("HEGG560427MVZARL04"), "a vowel among the consonants");
        let mut p =
            Patient { first_name: "Gloria".into(), curp: Some(" hegg560427mvzrrl04 ".into()), ..Patient::default() };
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert_eq!(p.clone().parse(today).unwrap().curp.as_deref(), Some("HEGG560427MVZRRL04"));
        p.curp = Some("  ".into());
        assert_eq!(p.clone().parse(today).unwrap().curp, None);
        p.curp = Some("HEGG560427MVZRRL05".into());
        assert_eq!(p.parse(today), Err(AppError::validation("curp", "curp_format")));
    }

    #[test]
    fn emails_are_checked_loosely() {
        assert!(looks_like_email("ana@example.mx"));
        assert!(!looks_like_email("ana@"));
        assert!(!looks_like_email("ana example@mx.com"));
    }
}
