//! Printable documents: payment receipts, cash closing reports and signed clinical notes as PDF,
//! tables as CSV, each written into the folder the desk gives (`podoclinic_desk::documents`) and
//! its making audited.

pub mod arco;
pub mod clinical;
pub mod consent;
pub mod pdf;
pub mod render;

use std::path::Path;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{self, Action, Entry};
use crate::auth::{Ctx, Permission};
use crate::error::{AppError, AppResult};
use crate::{billing, cash, catalog, consents, patients, podiatrists, profile, visits};
use render::Lang;

/// A document written to disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SavedDocument {
    /// The file name inside the documents folder (what `open_document` takes).
    pub name: String,
    /// Full path, for staff to find the file.
    pub path: String,
}

async fn write(dir: &Path, name: String, bytes: Vec<u8>) -> AppResult<SavedDocument> {
    tokio::fs::create_dir_all(dir).await.map_err(AppError::internal)?;
    let path = dir.join(&name);
    // Written beside and renamed, so a viewer never sees half a file.
    let partial = dir.join(format!(".{name}.part"));
    tokio::fs::write(&partial, bytes).await.map_err(AppError::internal)?;
    tokio::fs::rename(&partial, &path).await.map_err(AppError::internal)?;
    Ok(SavedDocument { name, path: path.display().to_string() })
}

/// Lays out on a blocking thread: PDF building and font subsetting are CPU work.
pub(crate) async fn build(f: impl FnOnce() -> AppResult<Vec<u8>> + Send + 'static) -> AppResult<Vec<u8>> {
    tokio::task::spawn_blocking(f).await?
}

pub async fn receipt(ctx: &Ctx, dir: &Path, charge_id: Uuid, lang: Lang) -> AppResult<SavedDocument> {
    let mut conn = ctx.pool.acquire().await?;
    let charge = billing::repo::charge(&mut conn, charge_id).await?.ok_or_else(|| AppError::not_found("charge"))?;
    let mut payments = billing::repo::payments_for_patient(&mut *conn, charge.patient_id).await?;
    payments.retain(|p| p.charge_id == Some(charge_id));
    payments.reverse();
    let profile = profile::repo::get(&mut *conn).await?;
    let tz = profile::time::zone(&mut *conn).await?;
    let name = format!("recibo-{:06}.pdf", charge.folio);
    audit::record(&mut *conn, &ctx.actor, Entry::new(Action::DocumentReceipt, "charge", charge_id)).await?;
    let bytes = build(move || render::receipt(&profile, tz, &charge, &payments, lang)).await?;
    write(dir, name, bytes).await
}

/// A clinical document, by what it prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ClinicalDocument {
    /// The signed note (`id`: the visit).
    Note,
    /// The signed note's "Indicaciones" (`id`: the visit).
    Instructions,
    /// A nota de referencia (`id`: the referral).
    Referral,
    /// The patient's resumen clínico (`id`: the patient).
    Summary,
}

impl ClinicalDocument {
    /// What its `id` names (the record a refused attempt is audited against).
    pub fn subject(self) -> &'static str {
        match self {
            ClinicalDocument::Note | ClinicalDocument::Instructions => "visit",
            ClinicalDocument::Referral => "referral",
            ClinicalDocument::Summary => "patient",
        }
    }
}

/// Writes the clinical document `kind` about `id`.
pub async fn clinical(ctx: &Ctx, dir: &Path, kind: ClinicalDocument, id: Uuid, lang: Lang) -> AppResult<SavedDocument> {
    match kind {
        ClinicalDocument::Note => visit_note(ctx, dir, id, lang).await,
        ClinicalDocument::Instructions => instructions(ctx, dir, id, lang).await,
        ClinicalDocument::Referral => referral(ctx, dir, id, lang).await,
        ClinicalDocument::Summary => clinical_summary(ctx, dir, id, lang).await,
    }
}

/// What a clinical document about a signed note needs from the database.
struct NoteData {
    visit: visits::model::Visit,
    patient: patients::model::Patient,
    podiatrist: podiatrists::model::Podiatrist,
    procedures: Vec<(String, i32)>,
    clinic: profile::model::ClinicProfile,
    tz: chrono_tz::Tz,
}

/// The signed note `visit_id` and what prints beside it. A draft is no note yet: it does not print.
async fn note_data(conn: &mut sqlx::PgConnection, visit_id: Uuid) -> AppResult<NoteData> {
    let visit = visits::repo::load(conn, visit_id, false).await?.ok_or_else(|| AppError::not_found("visit"))?;
    if visit.signed_at.is_none() {
        return Err(AppError::conflict("visit_not_signed", None));
    }
    let patient =
        patients::repo::find(&mut *conn, visit.patient_id).await?.ok_or_else(|| AppError::not_found("patient"))?;
    let podiatrist = podiatrists::repo::find(&mut *conn, visit.podiatrist_id)
        .await?
        .ok_or_else(|| AppError::not_found("podiatrist"))?;
    let mut procedures = Vec::new();
    for p in &visit.procedures {
        let name = catalog::repo::treatment(conn, p.treatment_id).await?.map(|t| t.name).unwrap_or_default();
        procedures.push((name, p.quantity));
    }
    let clinic = profile::repo::get(&mut *conn).await?;
    let tz = profile::time::zone(&mut *conn).await?;
    Ok(NoteData { visit, patient, podiatrist, procedures, clinic, tz })
}

impl NoteData {
    fn context<'a>(&'a self, digest: &'a str) -> clinical::NoteContext<'a> {
        clinical::NoteContext {
            clinic: &self.clinic,
            tz: self.tz,
            patient: &self.patient,
            podiatrist: &self.podiatrist,
            procedures: &self.procedures,
            digest,
            printed_at: chrono::Utc::now(),
        }
    }

    /// `<kind>-<visit day>-<id>.pdf`: the whole id (a v7 id's first digits are its time: two
    /// notes of one minute would share them, and one file would replace the other's).
    fn file_name(&self, kind: &str, id: Uuid) -> String {
        let day = self.visit.starts_at.with_timezone(&self.tz).format("%Y%m%d");
        format!("{kind}-{day}-{}.pdf", id.simple())
    }
}

/// A consent letter as stored (the PDF/A signed at the desk, or the scan of one signed on paper),
/// written unchanged: its bytes are those whose SHA-256 the audit holds. Audited.
pub async fn consent_letter(ctx: &Ctx, dir: &Path, letter_id: Uuid) -> AppResult<SavedDocument> {
    let mut conn = ctx.pool.acquire().await?;
    let letter = consents::repo::letter(&mut *conn, letter_id).await?.ok_or_else(|| AppError::not_found("letter"))?;
    crate::privacy::service::ensure_open(&mut *conn, letter.patient_id).await?;
    let (bytes, media_type) =
        consents::repo::document(&mut *conn, letter_id).await?.ok_or_else(|| AppError::not_found("letter"))?;
    let extension = match media_type.as_str() {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        _ => "pdf",
    };
    let entry = Entry::new(Action::DocumentConsent, "consent_letter", letter_id)
        .after(&serde_json::json!({ "patient": letter.patient_id, "sha256": letter.sha256 }));
    audit::record(&mut *conn, &ctx.actor, entry).await?;
    write(dir, format!("consentimiento-{}.{extension}", letter_id.simple()), bytes).await
}

/// A blank letter of the current template for a patient, to print and sign on paper when the pad
/// cannot be used (its scan is attached afterwards). Audited.
pub async fn blank_consent(
    ctx: &Ctx,
    dir: &Path,
    patient_id: Uuid,
    template_id: Uuid,
    signer: consents::model::Signer,
    lang: Lang,
) -> AppResult<SavedDocument> {
    let mut conn = ctx.pool.acquire().await?;
    let now = consents::repo::now(&mut *conn).await?;
    let s = consents::repo::signing(&mut conn, ctx.session.user_id, patient_id, template_id, now).await?;
    let entry =
        Entry::new(Action::DocumentConsent, "patient", patient_id).after(&serde_json::json!({ "blank": template_id }));
    audit::record(&mut *conn, &ctx.actor, entry).await?;
    let name = format!("consentimiento-en-blanco-{}-{}.pdf", s.template.kind_slug(), patient_id.simple());
    let bytes = build(move || {
        let context = consent::LetterContext {
            clinic: &s.clinic,
            tz: s.tz,
            template: &s.template,
            patient: &s.patient,
            podiatrist: &s.podiatrist,
            detail: "",
            signer,
            representative: "",
            relationship: "",
            signed: None,
        };
        consent::letter(&context, lang, chrono::Utc::now())
    })
    .await?;
    write(dir, name, bytes).await
}

/// A signed note as the legal record prints it (`clinical::visit_note`), with the SHA-256 of its
/// content: the one its signing's audit entry recorded. Printing is a reading of the note:
/// audited, with the digest printed.
pub async fn visit_note(ctx: &Ctx, dir: &Path, visit_id: Uuid, lang: Lang) -> AppResult<SavedDocument> {
    let mut conn = ctx.pool.acquire().await?;
    let data = note_data(&mut conn, visit_id).await?;
    let digest = visits::repo::content_digest(&mut *conn, visit_id).await?;
    let name = data.file_name("nota", visit_id);
    let entry = Entry::new(Action::DocumentVisitNote, "visit", visit_id)
        .after(&serde_json::json!({ "content_sha256": digest }));
    audit::record(&mut *conn, &ctx.actor, entry).await?;
    let bytes = build(move || clinical::visit_note(&data.context(&digest), &data.visit, lang)).await?;
    write(dir, name, bytes).await
}

/// The note's treatment and indications as the patient takes them home ("Indicaciones").
/// Audited.
pub async fn instructions(ctx: &Ctx, dir: &Path, visit_id: Uuid, lang: Lang) -> AppResult<SavedDocument> {
    let mut conn = ctx.pool.acquire().await?;
    let data = note_data(&mut conn, visit_id).await?;
    let name = data.file_name("nota-indicaciones", visit_id);
    audit::record(&mut *conn, &ctx.actor, Entry::new(Action::DocumentInstructions, "visit", visit_id)).await?;
    let bytes = build(move || clinical::instructions(&data.context(""), &data.visit, lang)).await?;
    write(dir, name, bytes).await
}

/// A nota de referencia as written (`visits::service::refer`). Audited.
pub async fn referral(ctx: &Ctx, dir: &Path, referral_id: Uuid, lang: Lang) -> AppResult<SavedDocument> {
    let mut conn = ctx.pool.acquire().await?;
    let referral =
        visits::repo::referral(&mut *conn, referral_id).await?.ok_or_else(|| AppError::not_found("referral"))?;
    let data = note_data(&mut conn, referral.visit_id).await?;
    let name = data.file_name("nota-referencia", referral_id);
    let entry = Entry::new(Action::DocumentReferral, "visit", referral.visit_id)
        .after(&serde_json::json!({ "referral": referral_id }));
    audit::record(&mut *conn, &ctx.actor, entry).await?;
    let bytes = build(move || clinical::referral(&data.context(""), &referral, lang)).await?;
    write(dir, name, bytes).await
}

/// The resumen clínico of a patient: their history and every signed note's diagnoses and plan.
/// A reading of the whole record: audited.
pub async fn clinical_summary(ctx: &Ctx, dir: &Path, patient_id: Uuid, lang: Lang) -> AppResult<SavedDocument> {
    let mut conn = ctx.pool.acquire().await?;
    crate::privacy::service::ensure_open(&mut *conn, patient_id).await?;
    let patient = patients::repo::find(&mut *conn, patient_id).await?.ok_or_else(|| AppError::not_found("patient"))?;
    let notes = visits::repo::summary_of(&mut *conn, patient_id).await?;
    let history = crate::history::repo::current(&mut *conn, patient_id).await?;
    let clinic = profile::repo::get(&mut *conn).await?;
    let tz = profile::time::zone(&mut *conn).await?;
    let printed_at = chrono::Utc::now();
    let name = format!("nota-resumen-{}-{}.pdf", printed_at.with_timezone(&tz).format("%Y%m%d"), patient_id.simple());
    audit::record(&mut *conn, &ctx.actor, Entry::new(Action::DocumentClinicalSummary, "patient", patient_id)).await?;
    let bytes =
        build(move || clinical::clinical_summary(&clinic, tz, &patient, history.as_ref(), &notes, printed_at, lang))
            .await?;
    write(dir, name, bytes).await
}

pub async fn cash_report(ctx: &Ctx, dir: &Path, session_id: Uuid, lang: Lang) -> AppResult<SavedDocument> {
    let report = cash::service::report(ctx, session_id).await?;
    let profile = profile::repo::get(&ctx.pool).await?;
    let tz = profile::time::zone(&ctx.pool).await?;
    let kind = if report.session.closed_at.is_some() { "z" } else { "x" };
    let stamp = report.generated_at.with_timezone(&tz).format("%Y%m%d-%H%M%S");
    let name = format!("corte-{kind}-{}-{stamp}.pdf", &session_id.simple().to_string()[..8]);
    audit::record(&ctx.pool, &ctx.actor, Entry::new(Action::DocumentCashReport, "cash_session", session_id)).await?;
    let closed = report.session.closed_at.map(|_| session_id);
    let (rows, head) = audit::service::head(ctx, closed).await?;
    let chain = render::AuditHead { rows, head };
    let bytes = build(move || render::cash_report(&profile, tz, &report, &chain, lang)).await?;
    write(dir, name, bytes).await
}

/// Writes a table as CSV (UTF-8 with a BOM, so spreadsheet apps read the accents) into the
/// documents folder. `name` becomes part of the file name (letters, digits and dashes only).
pub async fn csv_table(
    ctx: &Ctx,
    dir: &Path,
    name: &str,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
) -> AppResult<SavedDocument> {
    let slug: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(40).collect();
    if slug.is_empty() {
        return Err(AppError::validation("name", "required"));
    }
    if header.is_empty() {
        return Err(AppError::validation("header", "required"));
    }
    if rows.iter().any(|row| row.len() != header.len()) {
        return Err(AppError::validation("rows", "row_length"));
    }
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record(header.iter().map(|c| inert(c).into_owned())).map_err(AppError::internal)?;
    for row in &rows {
        out.write_record(row.iter().map(|c| inert(c).into_owned())).map_err(AppError::internal)?;
    }
    let bytes = out.into_inner().map_err(AppError::internal)?;
    audit::record(&ctx.pool, &ctx.actor, Entry::new(Action::DocumentCsv, "table", &slug)).await?;
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S");
    write(dir, format!("{slug}-{stamp}.csv"), bytes).await
}

/// A cell a spreadsheet shows as what it is. Text that starts like a formula (`=`, `+`, `-`, `@`,
/// a tab or a carriage return: an expense category named `=HYPERLINK(…)`) gets a leading `'`, so
/// it is shown, never run; a number (a negative amount too) stays a number.
fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_number(cell) { format!("'{cell}").into() } else { cell.into() }
}

/// `-1234`, `+12.50`, `-1,234.50`: a sign, digits (with thousands commas) and decimals.
fn is_number(cell: &str) -> bool {
    let unsigned = cell.strip_prefix(['-', '+']).unwrap_or(cell);
    let (whole, decimals) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    !whole.is_empty()
        && whole.starts_with(|c: char| c.is_ascii_digit())
        && whole.chars().all(|c| c.is_ascii_digit() || c == ',')
        && !decimals.is_empty()
        && decimals.chars().all(|c| c.is_ascii_digit())
}

/// The patient's data as the right of access gives it (`privacy::service::access_export`), as
/// indented JSON: `arco-acceso-<date>-<patient>.json`.
pub async fn access_export(
    ctx: &Ctx,
    dir: &Path,
    patient_id: Uuid,
    format: ExportFormat,
    lang: Lang,
) -> AppResult<SavedDocument> {
    let data = crate::privacy::service::access_export(ctx, patient_id).await?;
    match format {
        ExportFormat::Json => save_json(ctx, dir, "acceso", patient_id, &data).await,
        ExportFormat::Pdf => {
            let clinic = profile::repo::get(&ctx.pool).await?;
            let tz = profile::time::zone(&ctx.pool).await?;
            let printed_at = chrono::Utc::now();
            let day = printed_at.with_timezone(&tz).format("%Y%m%d");
            let name = format!("arco-acceso-{day}-{}.pdf", patient_id.simple());
            let bytes = build(move || arco::access_export(&clinic, tz, &data, printed_at, lang)).await?;
            write(dir, name, bytes).await
        }
    }
}

/// How an access export is written: a PDF for the patient to read, JSON for a machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Pdf,
    Json,
}

/// The record of a patient blocked by a granted cancellation, read through that request, as JSON
/// (`arco-bloqueado-<day>-<request>.json`). Audited naming the request.
pub async fn blocked_record(ctx: &Ctx, dir: &Path, request_id: Uuid) -> AppResult<SavedDocument> {
    let data = crate::privacy::service::blocked_record(ctx, request_id).await?;
    save_json(ctx, dir, "bloqueado", request_id, &data).await
}

async fn save_json(ctx: &Ctx, dir: &Path, what: &str, id: Uuid, data: &serde_json::Value) -> AppResult<SavedDocument> {
    let tz = profile::time::zone(&ctx.pool).await?;
    let day = chrono::Utc::now().with_timezone(&tz).format("%Y%m%d");
    let name = format!("arco-{what}-{day}-{}.json", id.simple());
    let bytes = serde_json::to_vec_pretty(data).map_err(AppError::internal)?;
    write(dir, name, bytes).await
}

/// What a saved document needs to be seen: receipts are payments, cortes the drawer's, clinical
/// documents (`nota-…`: notes, instructions, referrals, summaries) clinical records, the rest (CSV
/// tables) the dashboard's, a patient's access export the privacy officer's.
pub fn permission_for(name: &str) -> Permission {
    if name.starts_with("arco-") {
        Permission::PrivacyManage
    } else if name.starts_with("nota-") {
        Permission::ClinicalRead
    } else if name.starts_with("recibo-") {
        Permission::PaymentsRead
    } else if name.starts_with("corte-") {
        Permission::CashOperate
    } else {
        Permission::StatsRead
    }
}

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn formula_like_cells_are_shown_as_text_and_numbers_stay_numbers() {
        for risky in [
            "=HYPERLINK(\"http://x\",\"clic\")",
            "+52 55 1234 5678",
            "-cmd|' /C calc'!A0",
            "@SUM(A1)",
            "\tnota",
            "\rnota",
            "-",
            "+",
        ] {
            assert_eq!(inert(risky), format!("'{risky}"), "{risky:?}");
        }
        for number in ["-1234", "-1,234.50", "+12.5", "0", "1500.00"] {
            assert_eq!(inert(number), number, "{number:?}");
        }
        for text in ["Consulta", "a=b", "", "Dra. Ana"] {
            assert_eq!(inert(text), text);
        }
        assert_eq!(inert("-1.2.3"), "'-1.2.3");
    }
}
