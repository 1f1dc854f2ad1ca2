use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use super::kind::ConsentKind;
use crate::error::{AppError, AppResult};
use crate::limits::{
    CONSENT_ACT, CONSENT_BODY, CONSENT_CONTINGENCIES, CONSENT_DETAIL, CONSENT_RELATIONSHIP, CONSENT_REPRESENTATIVE,
    CONSENT_REVOCATION, CONSENT_RISKS, CONSENT_TITLE,
};
use crate::validate::{required, trimmed};

/// A published version of a letter's template. Its body lays the letter out; the NOM-004 10.1.1
/// contents are its placeholders (`{{establecimiento}}`, `{{titulo}}`, `{{lugar_y_fecha}}`,
/// `{{acto}}`, `{{riesgos_y_beneficios}}`, `{{contingencias}}`, `{{firmas}}`, and `{{testigos}}`
/// when it asks for witnesses), required by the database (`consent_template_missing`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    pub id: Uuid,
    pub kind: ConsentKind,
    pub version: i32,
    pub title: String,
    /// The act authorised, as the letter states it.
    pub act: String,
    /// The risks and the benefits expected of the act.
    pub risks_benefits: String,
    /// The authorisation for contingencies and emergencies arising from the act.
    pub contingencies: String,
    pub body: String,
    /// How many witnesses sign (0 or 2).
    pub witnesses: i16,
    pub published_by_name: String,
    pub published_at: DateTime<Utc>,
}

impl Template {
    /// The kind as a file name's part.
    pub fn kind_slug(&self) -> &'static str {
        match self.kind {
            ConsentKind::NailSurgery => "cirugia-unguea",
            ConsentKind::MinorSurgery => "cirugia-menor",
            ConsentKind::ClinicalPhotos => "fotografias",
            ConsentKind::MinorPatient => "menor-de-edad",
        }
    }
}

/// A new version of a template, as the admin writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct TemplateInput {
    /// Made by the client: a retry is not a second version.
    pub id: Uuid,
    pub kind: ConsentKind,
    pub title: String,
    pub act: String,
    pub risks_benefits: String,
    pub contingencies: String,
    pub body: String,
    pub witnesses: i16,
}

impl TemplateInput {
    pub fn parse(mut self) -> AppResult<Self> {
        required(&mut self.title, "title", CONSENT_TITLE)?;
        required(&mut self.act, "act", CONSENT_ACT)?;
        required(&mut self.risks_benefits, "risksBenefits", CONSENT_RISKS)?;
        required(&mut self.contingencies, "contingencies", CONSENT_CONTINGENCIES)?;
        required(&mut self.body, "body", CONSENT_BODY)?;
        if !matches!(self.witnesses, 0 | 2) {
            return Err(AppError::validation("witnesses", "out_of_range"));
        }
        Ok(self)
    }
}

/// Who signs for the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Signer {
    Patient,
    /// The nearest relative present, the tutor or the legal representative.
    Representative,
}

/// One point of a stroke, in the signing pad's pixels, with the milliseconds since the pad's first
/// point (the stroke's pace is part of what a signature is).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct InkPoint {
    pub x: f32,
    pub y: f32,
    pub t: u32,
}

/// A signature as drawn: the pad's size and its strokes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Ink {
    pub width: f32,
    pub height: f32,
    pub strokes: Vec<Vec<InkPoint>>,
}

/// The most points a signature keeps (a long signature at the pad's rate is a few thousand).
pub const MAX_INK_POINTS: usize = 20_000;
/// The fewest points a signature needs: a dot or a tap is not one.
pub const MIN_INK_POINTS: usize = 8;

impl Ink {
    pub fn check(&self, field: &str) -> AppResult<()> {
        let points: usize = self.strokes.iter().map(Vec::len).sum();
        if points < MIN_INK_POINTS {
            return Err(AppError::validation(field, "signature_missing"));
        }
        let size_ok = |v: f32| v.is_finite() && (50.0..=5000.0).contains(&v);
        let inside = |p: &InkPoint| {
            p.x.is_finite()
                && p.y.is_finite()
                && (0.0..=self.width).contains(&p.x)
                && (0.0..=self.height).contains(&p.y)
        };
        if points > MAX_INK_POINTS
            || !size_ok(self.width)
            || !size_ok(self.height)
            || !self.strokes.iter().flatten().all(inside)
        {
            return Err(AppError::validation(field, "signature_invalid"));
        }
        Ok(())
    }
}

/// A witness: their name and signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Witness {
    pub name: String,
    pub signature: Ink,
}

/// A letter signed at the desk, as the signing view sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LetterInput {
    /// Made by the client when the signing view opened.
    pub id: Uuid,
    pub patient_id: Uuid,
    /// The template version the patient read.
    pub template_id: Uuid,
    /// What this letter's act is, where the template leaves it general ("uña del primer ortejo
    /// derecho").
    pub detail: String,
    pub signer: Signer,
    pub representative: String,
    pub relationship: String,
    pub signature: Ink,
    pub witnesses: Vec<Witness>,
}

/// The letter's act detail and who signs for the patient: a representative is named with their
/// relationship; a patient signing leaves both empty.
fn check_signer(
    signer: Signer,
    detail: &mut String,
    representative: &mut String,
    relationship: &mut String,
) -> AppResult<()> {
    trimmed(detail, "detail", CONSENT_DETAIL)?;
    match signer {
        Signer::Patient => {
            representative.clear();
            relationship.clear();
        }
        Signer::Representative => {
            required(representative, "representative", CONSENT_REPRESENTATIVE)?;
            required(relationship, "relationship", CONSENT_RELATIONSHIP)?;
        }
    }
    Ok(())
}

impl LetterInput {
    pub fn parse(mut self) -> AppResult<Self> {
        check_signer(self.signer, &mut self.detail, &mut self.representative, &mut self.relationship)?;
        self.signature.check("signature")?;
        if self.witnesses.len() > 2 {
            return Err(AppError::validation("witnesses", "out_of_range"));
        }
        for w in &mut self.witnesses {
            required(&mut w.name, "witnesses", CONSENT_REPRESENTATIVE)?;
            w.signature.check("witnesses")?;
        }
        Ok(self)
    }
}

/// A letter signed on paper, scanned and attached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ScanInput {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub template_id: Uuid,
    pub detail: String,
    pub signer: Signer,
    pub representative: String,
    pub relationship: String,
    pub witnesses: Vec<String>,
    /// The day it was signed on paper (not after today).
    pub signed_on: chrono::NaiveDate,
    /// The token the desk gave the scan when it was picked (a PDF, PNG or JPEG file).
    pub file: Uuid,
}

impl ScanInput {
    /// `today`: the clinic's date (a letter is not signed in the future).
    pub fn parse(mut self, today: chrono::NaiveDate) -> AppResult<Self> {
        check_signer(self.signer, &mut self.detail, &mut self.representative, &mut self.relationship)?;
        if self.signed_on > today {
            return Err(AppError::validation("signedOn", "in_future"));
        }
        if self.witnesses.len() > 2 {
            return Err(AppError::validation("witnesses", "out_of_range"));
        }
        for w in &mut self.witnesses {
            trimmed(w, "witnesses", CONSENT_REPRESENTATIVE)?;
        }
        self.witnesses.retain(|w| !w.is_empty());
        Ok(self)
    }
}

/// A letter in the patient's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Letter {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub template_id: Uuid,
    pub kind: ConsentKind,
    pub version: i32,
    pub title: String,
    pub detail: String,
    pub signer: Signer,
    pub representative: String,
    pub relationship: String,
    pub witnesses: Vec<String>,
    pub podiatrist_name: String,
    /// `desk` (signed on the pad) or `scan` (signed on paper).
    pub source: String,
    pub media_type: String,
    pub sha256: String,
    pub signed_at: DateTime<Utc>,
    pub recorded_by_name: String,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revocation_reason: Option<String>,
    /// Signed in the last year and not revoked: it covers its act.
    pub in_force: bool,
}

/// A revocation, an addendum to the letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Revocation {
    pub letter_id: Uuid,
    pub reason: String,
}

impl Revocation {
    pub fn parse(mut self) -> AppResult<Self> {
        required(&mut self.reason, "reason", CONSENT_REVOCATION)?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ink(points: usize) -> Ink {
        let stroke = (0..points).map(|i| InkPoint { x: i as f32, y: 10.0, t: i as u32 * 8 }).collect();
        Ink { width: 400.0, height: 150.0, strokes: vec![stroke] }
    }

    #[test]
    fn a_signature_needs_ink_inside_the_pad() {
        assert!(ink(30).check("signature").is_ok());
        assert_eq!(ink(2).check("signature").unwrap_err(), AppError::validation("signature", "signature_missing"));
        let mut outside = ink(30);
        outside.strokes[0][3].x = 900.0;
        assert_eq!(outside.check("signature").unwrap_err(), AppError::validation("signature", "signature_invalid"));
        let mut nan = ink(30);
        nan.strokes[0][3].y = f32::NAN;
        assert!(nan.check("signature").is_err());
    }

    #[test]
    fn a_representative_is_named_with_their_relationship() {
        let input = LetterInput {
            id: Uuid::now_v7(),
            patient_id: Uuid::now_v7(),
            template_id: Uuid::now_v7(),
            detail: " ".into(),
            signer: Signer::Representative,
            representative: "Ana Pérez".into(),
            relationship: "  ".into(),
            signature: ink(30),
            witnesses: vec![],
        };
        assert_eq!(input.clone().parse().unwrap_err(), AppError::validation("relationship", "required"));
        let ok = LetterInput { relationship: "madre".into(), ..input }.parse().unwrap();
        assert_eq!(ok.detail, "");
    }
}
