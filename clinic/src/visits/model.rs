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

/// Vital signs taken at the visit, each when relevant (NOM-004 asks for them "where relevant":
/// a diabetic patient's glucose, a blood pressure before a procedure under anaesthesia).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase", default)]
pub struct Vitals {
    /// Blood pressure, mmHg.
    pub systolic: Option<i32>,
    pub diastolic: Option<i32>,
    /// Beats per minute.
    pub heart_rate: Option<i32>,
    /// Tenths of a degree Celsius: 365 is 36.5 °C.
    pub temperature_tenths: Option<i32>,
    pub weight_grams: Option<i32>,
    pub height_cm: Option<i32>,
    /// Capillary glucose, mg/dL.
    pub glucose: Option<i32>,
}

impl Vitals {
    fn parse(self) -> AppResult<Self> {
        let ranges: [(Option<i32>, &str, i32, i32); 7] = [
            (self.systolic, "systolic", 50, 300),
            (self.diastolic, "diastolic", 20, 200),
            (self.heart_rate, "heartRate", 20, 250),
            (self.temperature_tenths, "temperature", 300, 450),
            (self.weight_grams, "weight", 500, 400_000),
            (self.height_cm, "height", 30, 250),
            (self.glucose, "glucose", 10, 1000),
        ];
        for (value, field, low, high) in ranges {
            if value.is_some_and(|v| !(low..=high).contains(&v)) {
                return Err(AppError::validation(field, "out_of_range"));
            }
        }
        if let (Some(s), Some(d)) = (self.systolic, self.diastolic)
            && d >= s
        {
            return Err(AppError::validation("diastolic", "out_of_range"));
        }
        Ok(self)
    }
}

/// One diagnosis (or clinical problem) of the note: the podiatrist's words, and optionally the
/// CIE-10 code it falls under (from the list the app ships, `cie10`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    pub text: String,
    pub code: Option<String>,
}

/// The most diagnoses one note holds (the database holds the same).
pub const MAX_DIAGNOSES: usize = 10;
/// The longest diagnosis text (the database holds the same).
pub const DIAGNOSIS_TEXT: usize = 300;

/// A CIE-10 code's shape: a letter, two digits, and optionally a dot and one or two more.
pub fn is_cie10_shape(code: &str) -> bool {
    let b = code.as_bytes();
    let head = b.len() >= 3 && b[0].is_ascii_uppercase() && b[1].is_ascii_digit() && b[2].is_ascii_digit();
    let tail = match &b[3.min(b.len())..] {
        [] => true,
        [b'.', rest @ ..] => {
            (1..=2).contains(&rest.len()) && rest.iter().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        }
        _ => false,
    };
    head && tail
}

impl Diagnosis {
    /// Trims the text; a code must be on the list and is written as the list writes it; a
    /// diagnosis with a code and no words takes the code's title.
    fn parse(mut self) -> AppResult<Self> {
        self.code = match self.code.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(code) => Some(
                super::cie10::find(code)
                    .ok_or_else(|| AppError::validation("diagnosisCode", "unknown_code"))?
                    .code
                    .to_string(),
            ),
        };
        trimmed(&mut self.text, "diagnosisText", DIAGNOSIS_TEXT)?;
        if self.text.is_empty() {
            match self.code.as_deref().and_then(super::cie10::find) {
                Some(known) => self.text = known.title.to_string(),
                None => return Err(AppError::validation("diagnosisText", "required")),
            }
        }
        Ok(self)
    }
}

/// What the visit form sends while the note is a draft. The sections after `procedures` came
/// with NOM-004's note (a draft kept on a desk before them has none: they default to empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct VisitInput {
    pub id: Uuid,
    pub findings: Findings,
    pub risk_category: Option<i16>,
    /// The evolution: what the patient reports and how the picture changed since the last visit
    /// (on a first visit, the current complaint).
    pub notes: String,
    pub procedures: Vec<Procedure>,
    #[serde(default)]
    pub vitals: Vitals,
    #[serde(default)]
    pub diagnoses: Vec<Diagnosis>,
    #[serde(default)]
    pub prognosis: String,
    /// Treatment and indications (tratamiento e indicaciones).
    #[serde(default)]
    pub plan: String,
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
        self.vitals = self.vitals.parse()?;
        // A row the form added and left empty is no diagnosis.
        self.diagnoses.retain(|d| !d.text.trim().is_empty() || d.code.as_deref().is_some_and(|c| !c.trim().is_empty()));
        if self.diagnoses.len() > MAX_DIAGNOSES {
            return Err(AppError::validation("diagnoses", "too_many"));
        }
        self.diagnoses =
            std::mem::take(&mut self.diagnoses).into_iter().map(Diagnosis::parse).collect::<AppResult<_>>()?;
        trimmed(&mut self.prognosis, "prognosis", crate::limits::VISIT_PROGNOSIS)?;
        trimmed(&mut self.plan, "plan", crate::limits::VISIT_PLAN)?;
        Ok(self)
    }
}

/// What a note needs before it is signed, in the order the form shows them: the risk grade, a
/// diagnosis and the plan (NOM-004). The first missing one is named.
pub fn check_signable(risk_category: Option<i16>, diagnoses: &[Diagnosis], plan: &str) -> AppResult<()> {
    if risk_category.is_none() {
        return Err(AppError::validation("riskCategory", "required"));
    }
    if diagnoses.is_empty() {
        return Err(AppError::validation("diagnoses", "required"));
    }
    if plan.trim().is_empty() {
        return Err(AppError::validation("plan", "required"));
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Addendum {
    pub id: Uuid,
    pub author_name: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
}

/// A nota de referencia as the form sends it: the patient sent from a signed visit to another
/// establishment. The impression and the treatment start from the note's diagnoses and plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ReferralInput {
    /// Made by the client (UUID v7): a retry is not a second referral.
    pub id: Uuid,
    pub visit_id: Uuid,
    /// The receiving establishment (and service or professional, when known).
    pub receiving: String,
    pub reason: String,
    /// The diagnostic impression.
    pub impression: String,
    /// The treatment given so far.
    pub treatment: String,
}

impl ReferralInput {
    pub fn parse(mut self) -> AppResult<Self> {
        use crate::limits::{REFERRAL_IMPRESSION, REFERRAL_REASON, REFERRAL_RECEIVING, REFERRAL_TREATMENT};
        required(&mut self.receiving, "receiving", REFERRAL_RECEIVING)?;
        required(&mut self.reason, "reason", REFERRAL_REASON)?;
        required(&mut self.impression, "impression", REFERRAL_IMPRESSION)?;
        trimmed(&mut self.treatment, "treatment", REFERRAL_TREATMENT)?;
        Ok(self)
    }
}

/// A referral as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, sqlx::FromRow)]
#[serde(rename_all = "camelCase")]
pub struct Referral {
    pub id: Uuid,
    pub visit_id: Uuid,
    pub receiving: String,
    pub reason: String,
    pub impression: String,
    pub treatment: String,
    pub author_name: String,
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
    pub vitals: Vitals,
    pub diagnoses: Vec<Diagnosis>,
    pub prognosis: String,
    pub plan: String,
    pub signed_at: Option<DateTime<Utc>>,
    pub signed_by_name: Option<String>,
    pub addenda: Vec<Addendum>,
    pub referrals: Vec<Referral>,
}

/// One signed note as the resumen clínico lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryEntry {
    pub starts_at: DateTime<Utc>,
    pub podiatrist_name: String,
    pub risk_category: Option<i16>,
    pub diagnoses: Vec<Diagnosis>,
    pub plan: String,
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
            ..VisitInput::default()
        }
    }

    fn diagnosis(text: &str, code: Option<&str>) -> Diagnosis {
        Diagnosis { text: text.into(), code: code.map(Into::into) }
    }

    #[test]
    fn diagnoses_take_listed_codes_only() {
        let mut v = input();
        v.diagnoses =
            vec![diagnosis(" Onicocriptosis ", Some("l600")), diagnosis("", Some("L84")), diagnosis(" ", None)];
        let v = v.parse().unwrap();
        assert_eq!(
            v.diagnoses,
            vec![diagnosis("Onicocriptosis", Some("L60.0")), diagnosis("Callos y callosidades", Some("L84"))]
        );
        let mut unknown = input();
        unknown.diagnoses = vec![diagnosis("a", None), diagnosis("b", Some("Z99.9"))];
        assert_eq!(unknown.parse(), Err(AppError::validation("diagnosisCode", "unknown_code")));
        let mut many = input();
        many.diagnoses = (0..11).map(|i| diagnosis(&format!("d{i}"), None)).collect();
        assert_eq!(many.parse(), Err(AppError::validation("diagnoses", "too_many")));
        assert!(is_cie10_shape("L60.0") && is_cie10_shape("L84") && is_cie10_shape("B07.0"));
        assert!(
            !is_cie10_shape("L6") && !is_cie10_shape("L60.") && !is_cie10_shape("l60.0") && !is_cie10_shape("L60.123")
        );
    }

    #[test]
    fn vitals_are_checked_by_name() {
        let mut v = input();
        v.vitals = Vitals { systolic: Some(120), diastolic: Some(80), glucose: Some(2000), ..Vitals::default() };
        assert_eq!(v.parse(), Err(AppError::validation("glucose", "out_of_range")));
        let mut v = input();
        v.vitals = Vitals { systolic: Some(80), diastolic: Some(120), ..Vitals::default() };
        assert_eq!(v.parse(), Err(AppError::validation("diastolic", "out_of_range")));
        let mut v = input();
        v.vitals = Vitals { temperature_tenths: Some(365), weight_grams: Some(72_500), ..Vitals::default() };
        assert!(v.parse().is_ok());
    }

    #[test]
    fn a_note_is_signed_with_risk_diagnosis_and_plan() {
        let d = [diagnosis("Onicocriptosis", None)];
        assert_eq!(check_signable(None, &d, "x"), Err(AppError::validation("riskCategory", "required")));
        assert_eq!(check_signable(Some(1), &[], "x"), Err(AppError::validation("diagnoses", "required")));
        assert_eq!(check_signable(Some(1), &d, " "), Err(AppError::validation("plan", "required")));
        assert_eq!(check_signable(Some(1), &d, "Curación"), Ok(()));
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
