use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Podiatrist {
    pub id: Uuid,
    pub name: String,
    /// Cédula profesional.
    pub license: String,
    /// The institution that issued the professional title (printed with the signature).
    #[serde(default)]
    pub title_institution: String,
    /// Calendar colour, `#rrggbb`.
    pub color: String,
    pub active: bool,
    /// The user account of this podiatrist, if any (they see their own agenda first).
    pub user_id: Option<Uuid>,
}

impl Podiatrist {
    /// Trims and checks what the form sent.
    pub fn parse(mut self) -> AppResult<Self> {
        crate::validate::required(&mut self.name, "name", crate::limits::PODIATRIST_NAME)?;
        self.license = self.license.trim().to_uppercase();
        crate::validate::trimmed(
            &mut self.title_institution,
            "titleInstitution",
            crate::limits::PODIATRIST_TITLE_INSTITUTION,
        )?;
        self.color = self.color.trim().to_lowercase();
        if !(self.license.is_empty()
            || (4..=12).contains(&self.license.len()) && self.license.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            return Err(AppError::validation("license", "license_format"));
        }
        let hex = self.color.strip_prefix('#').unwrap_or("");
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(AppError::validation("color", "color_format"));
        }
        Ok(self)
    }
}
