use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppResult;
use crate::validate::trimmed;

/// Tobacco or alcohol: never, in the past, or now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Habit {
    #[default]
    Unknown,
    Never,
    Former,
    Current,
}

/// The longest text of one of the history's sections.
pub const SECTION_TEXT: usize = 2000;

/// What the patient told: each section free text, the habits as choices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct HistoryContent {
    /// Antecedentes heredofamiliares (diabetes, hypertension, vascular disease in the family…).
    pub family: String,
    /// Antecedentes personales patológicos: conditions, surgeries, hospitalisations, injuries.
    pub conditions: String,
    /// Medications taken now.
    pub medications: String,
    pub tobacco: Habit,
    pub alcohol: Habit,
    /// Occupation and physical activity (hours standing, sport).
    pub activity: String,
    /// The footwear worn most days.
    pub footwear: String,
}

impl HistoryContent {
    fn parse(mut self) -> AppResult<Self> {
        for (text, field) in [
            (&mut self.family, "family"),
            (&mut self.conditions, "conditions"),
            (&mut self.medications, "medications"),
            (&mut self.activity, "activity"),
            (&mut self.footwear, "footwear"),
        ] {
            trimmed(text, field, SECTION_TEXT)?;
        }
        Ok(self)
    }
}

/// A recording of the history, as the form sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct HistoryInput {
    /// Made by the client (UUID v7): a retry is not a second version.
    pub id: Uuid,
    pub patient_id: Uuid,
    pub content: HistoryContent,
}

impl HistoryInput {
    pub fn parse(mut self) -> AppResult<Self> {
        self.content = self.content.parse()?;
        Ok(self)
    }
}

/// The history as last recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct History {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub content: HistoryContent,
    pub recorded_by_name: String,
    pub recorded_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    #[test]
    fn sections_are_trimmed_and_bounded_by_name() {
        let content = HistoryContent { family: " Madre con diabetes tipo 2 ".into(), ..HistoryContent::default() };
        let input = HistoryInput { id: Uuid::nil(), patient_id: Uuid::nil(), content };
        assert_eq!(input.clone().parse().unwrap().content.family, "Madre con diabetes tipo 2");
        let long = HistoryContent { footwear: "x".repeat(SECTION_TEXT + 1), ..HistoryContent::default() };
        assert_eq!(HistoryInput { content: long, ..input }.parse(), Err(AppError::validation("footwear", "too_long")));
    }
}
