//! The "Importar" tab's steps: read a file and suggest a mapping, a dry run that changes nothing,
//! and the import itself (batches, progress, cancel, one audit entry, a CSV of the rejected rows).

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::model::{ImportProgress, ImportReport, PatientField, RowProblem, SheetPreview};
use super::patients;
use super::sheet::{self, Sheet};
use crate::auth::Ctx;
use crate::error::AppResult;

async fn read(path: &Path) -> AppResult<Sheet> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || sheet::read(&path)).await?
}

/// The file's headers, first rows and suggested mapping.
pub async fn preview(path: &Path) -> AppResult<SheetPreview> {
    Ok(patients::preview(&read(path).await?))
}

/// What importing the file with `mapping` would do, changing nothing.
pub async fn dry_run(ctx: &Ctx, path: &Path, mapping: &[Option<PatientField>]) -> AppResult<ImportReport> {
    let sheet = read(path).await?;
    Ok(patients::report(&patients::analyze(&ctx.pool, &sheet, mapping).await?))
}

/// Imports the file's new patients (see `patients::import`); the rejected rows, if any, are saved
/// as a CSV in `documents` with the file's own columns and a reason column.
pub async fn import(
    ctx: &Ctx,
    documents: &Path,
    path: &Path,
    mapping: &[Option<PatientField>],
    cancel: &AtomicBool,
    progress: impl Fn(ImportProgress),
) -> AppResult<ImportReport> {
    let sheet = read(path).await?;
    let (mut report, verdicts) = patients::import(ctx, &sheet, mapping, cancel, progress).await?;
    if report.errors + report.duplicates > 0 {
        let column_of = |field: &str| {
            PatientField::ALL
                .iter()
                .find(|f| f.form_name() == field)
                .and_then(|f| mapping.iter().position(|m| m == &Some(*f)))
                .map(|i| sheet.headers[i].clone())
                .unwrap_or_else(|| field.to_string())
        };
        let reason = |p: &RowProblem| match &p.field {
            Some(field) => format!("{}: {}", column_of(field), reason_text(&p.key)),
            None => reason_text(&p.key).to_string(),
        };
        let rows = patients::rejected_rows(&sheet, &verdicts, reason);
        let mut header = vec!["Fila".to_string()];
        header.extend(sheet.headers.iter().cloned());
        header.push("Motivo".to_string());
        report.rejected =
            Some(crate::documents::csv_table(ctx, documents, "importacion-rechazados", header, rows).await?);
    }
    Ok(report)
}

/// The reason column's text (the rejected-rows CSV is a document, in the clinic's language).
fn reason_text(key: &str) -> &str {
    match key {
        "required" => "falta",
        "date_format" => "fecha no válida (use dd/mm/aaaa)",
        "phone_format" => "teléfono no válido (de 7 a 15 dígitos)",
        "email_format" => "correo no válido",
        "out_of_range" => "fuera de rango",
        "too_long" => "demasiado largo",
        "invalid_value" => "valor no reconocido",
        "duplicate" => {
            "posible duplicado: el mismo nombre y fecha de nacimiento, o el mismo teléfono, que otro paciente"
        }
        other => other,
    }
}
