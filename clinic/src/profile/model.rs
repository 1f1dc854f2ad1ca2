use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::validate::rfc;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct ClinicProfile {
    pub name: String,
    pub address: String,
    pub phone: String,
    /// Mexican tax id (RFC); empty when not given.
    pub rfc: String,
    /// IANA zone used for "today" and for display, e.g. `America/Mexico_City`.
    pub timezone: String,
    /// ISO 4217 code, e.g. `MXN`.
    pub currency: String,
    pub idle_lock_minutes: i32,
    /// The WhatsApp reminder, with placeholders (see `reminders::model::PLACEHOLDERS`).
    pub reminder_template: String,
    /// How many days a desk may let a user in without the server after their last sign-in with it.
    pub offline_sign_in_days: i16,
}

impl ClinicProfile {
    /// Trims and checks every field; the time zone is checked against the database's list later.
    pub fn parse(mut self) -> AppResult<Self> {
        crate::validate::trimmed(&mut self.address, "address", crate::limits::CLINIC_ADDRESS)?;
        crate::validate::trimmed(&mut self.phone, "phone", crate::limits::CLINIC_PHONE)?;
        crate::validate::trimmed(&mut self.timezone, "timezone", crate::limits::CLINIC_TIMEZONE)?;
        self.currency = self.currency.trim().to_uppercase();
        crate::validate::required(&mut self.name, "name", crate::limits::CLINIC_NAME)?;
        rfc(&mut self.rfc, "rfc")?;
        crate::reminders::model::check_template(&mut self.reminder_template)?;
        if self.currency.len() != 3 || !self.currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(AppError::validation("currency", "currency_format"));
        }
        if !(1..=240).contains(&self.idle_lock_minutes) {
            return Err(AppError::validation("idleLockMinutes", "out_of_range"));
        }
        if !(1..=30).contains(&self.offline_sign_in_days) {
            return Err(AppError::validation("offlineSignInDays", "out_of_range"));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> ClinicProfile {
        ClinicProfile {
            name: " Podología Centro ".into(),
            address: String::new(),
            phone: String::new(),
            rfc: "gome800101ab1".into(),
            timezone: "America/Mexico_City".into(),
            currency: "mxn".into(),
            idle_lock_minutes: 5,
            reminder_template: "Hola {nombre}".into(),
            offline_sign_in_days: 7,
        }
    }

    #[test]
    fn a_profile_is_normalised() {
        let p = profile().parse().unwrap();
        assert_eq!(
            (p.name.as_str(), p.rfc.as_str(), p.currency.as_str()),
            ("Podología Centro", "GOME800101AB1", "MXN")
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let bad = ClinicProfile { rfc: "XYZ".into(), ..profile() };
        assert_eq!(bad.parse().unwrap_err(), AppError::validation("rfc", "rfc_format"));
        let bad = ClinicProfile { idle_lock_minutes: 0, ..profile() };
        assert_eq!(bad.parse().unwrap_err(), AppError::validation("idleLockMinutes", "out_of_range"));
        let bad = ClinicProfile { offline_sign_in_days: 31, ..profile() };
        assert_eq!(bad.parse().unwrap_err(), AppError::validation("offlineSignInDays", "out_of_range"));
        let bad = ClinicProfile { name: "  ".into(), ..profile() };
        assert_eq!(bad.parse().unwrap_err(), AppError::validation("name", "required"));
    }
}
