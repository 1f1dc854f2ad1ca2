use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::validate::{required, trimmed};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum NailFinding {
    Onychomycosis,
    Ingrown,
    Thickened,
    Dystrophic,
    Onycholysis,
    Subungual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SkinFinding {
    Dry,
    Fissures,
    Maceration,
    Tinea,
    Hyperhidrosis,
    Wart,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum CallusFinding {
    Callus,
    HardCorn,
    SoftCorn,
    PlantarHyperkeratosis,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Pulse {
    #[default]
    NotChecked,
    Present,
    Diminished,
    Absent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Ulcer {
    pub location: String,
    /// Wagner grade, 0–5.
    pub wagner_grade: u8,
}

/// What the podiatrist found on one foot. Empty lists mean "nothing of note".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FootFindings {
    pub nails: Vec<NailFinding>,
    pub skin: Vec<SkinFinding>,
    pub calluses: Vec<CallusFinding>,
    pub ulcer: Option<Ulcer>,
    /// 10 g monofilament: sites felt out of 10; `None` when not tested.
    pub monofilament_felt: Option<u8>,
    pub pulse_dorsalis: Pulse,
    pub pulse_tibial: Pulse,
    pub notes: String,
}

/// Both feet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Findings {
    pub left: FootFindings,
    pub right: FootFindings,
}

impl FootFindings {
    fn parse(mut self, side: &str) -> AppResult<Self> {
        sort_dedup(&mut self.nails);
        sort_dedup(&mut self.skin);
        sort_dedup(&mut self.calluses);
        if let Some(u) = &mut self.ulcer {
            required(&mut u.location, &format!("{side}UlcerLocation"), 120)?;
            if u.wagner_grade > 5 {
                return Err(AppError::validation(&format!("{side}UlcerWagnerGrade"), "out_of_range"));
            }
        }
        if self.monofilament_felt.is_some_and(|n| n > 10) {
            return Err(AppError::validation(&format!("{side}MonofilamentFelt"), "out_of_range"));
        }
        trimmed(&mut self.notes, &format!("{side}Notes"), 2000)?;
        Ok(self)
    }
}

fn sort_dedup<T: Ord>(list: &mut Vec<T>) {
    list.sort();
    list.dedup();
}

/// IWGDF diabetic-foot risk categories 0 (very low) to 3 (high).
pub const MAX_RISK: i16 = 3;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Procedure {
    pub treatment_id: Uuid,
    pub quantity: i32,
}

/// What the visit form sends while the note is a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct VisitInput {
    pub id: Uuid,
    pub findings: Findings,
    pub risk_category: Option<i16>,
    pub notes: String,
    pub procedures: Vec<Procedure>,
}

impl VisitInput {
    pub fn parse(mut self) -> AppResult<Self> {
        self.findings.left = self.findings.left.parse("left")?;
        self.findings.right = self.findings.right.parse("right")?;
        if self.risk_category.is_some_and(|r| !(0..=MAX_RISK).contains(&r)) {
            return Err(AppError::validation("riskCategory", "out_of_range"));
        }
        trimmed(&mut self.notes, "notes", crate::limits::VISIT_NOTES)?;
        self.procedures.sort_by_key(|p| p.treatment_id);
        if self.procedures.windows(2).any(|w| w[0].treatment_id == w[1].treatment_id) {
            return Err(AppError::validation("procedures", "duplicate_treatment"));
        }
        if self.procedures.iter().any(|p| !(1..=99).contains(&p.quantity)) {
            return Err(AppError::validation("procedures", "out_of_range"));
        }
        Ok(self)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Addendum {
    pub id: Uuid,
    pub author_name: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// A visit's whole clinical record as the podiatrist's screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Visit {
    pub id: Uuid,
    pub appointment_id: Uuid,
    pub patient_id: Uuid,
    pub patient_name: String,
    pub podiatrist_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub author_name: String,
    pub findings: Findings,
    pub risk_category: Option<i16>,
    pub notes: String,
    pub procedures: Vec<Procedure>,
    pub signed_at: Option<DateTime<Utc>>,
    pub signed_by_name: Option<String>,
    pub addenda: Vec<Addendum>,
}

/// One line of a patient's visit history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct VisitSummary {
    pub id: Uuid,
    pub appointment_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub podiatrist_name: String,
    pub risk_category: Option<i16>,
    pub signed_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> VisitInput {
        VisitInput {
            id: Uuid::nil(),
            findings: Findings::default(),
            risk_category: Some(1),
            notes: " ok ".into(),
            procedures: vec![],
        }
    }

    #[test]
    fn findings_are_checked_per_foot_and_named() {
        let mut bad = input();
        bad.findings.right.monofilament_felt = Some(11);
        assert_eq!(bad.parse(), Err(AppError::validation("rightMonofilamentFelt", "out_of_range")));
        let mut ulcer = input();
        ulcer.findings.left.ulcer = Some(Ulcer { location: " ".into(), wagner_grade: 1 });
        assert_eq!(ulcer.parse(), Err(AppError::validation("leftUlcerLocation", "required")));
        let mut risk = input();
        risk.risk_category = Some(4);
        assert_eq!(risk.parse(), Err(AppError::validation("riskCategory", "out_of_range")));
    }

    #[test]
    fn repeated_findings_collapse_and_text_is_trimmed() {
        let mut v = input();
        v.findings.left.nails = vec![NailFinding::Ingrown, NailFinding::Onychomycosis, NailFinding::Ingrown];
        let v = v.parse().unwrap();
        assert_eq!(v.findings.left.nails, vec![NailFinding::Onychomycosis, NailFinding::Ingrown]);
        assert_eq!(v.notes, "ok");
    }
}
