//! The "Importar" tab's steps: read a file and suggest a mapping, a dry run that changes nothing,
//! and the import itself (batches, progress, cancel, one audit entry, a CSV of the rejected rows).

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::batch::{self, Verdict};
use super::model::{
    AppointmentField, Field, ImportKind, ImportMapping, ImportProgress, ImportReport, RowProblem, SheetPreview,
};
use super::sheet::{self, Sheet};
use super::{appointments, patients};
use crate::auth::{Ctx, Permission};
use crate::error::{AppError, AppResult};

async fn read(path: &Path) -> AppResult<Sheet> {
    let path = path.to_path_buf();
    tokio::task::spawn_blocking(move || sheet::read(&path)).await?
}

/// The file's headers, first rows and the mappings its headers suggest.
pub async fn preview(path: &Path) -> AppResult<SheetPreview> {
    let sheet = read(path).await?;
    let suggested = batch::suggestions(&sheet, patients::suggest);
    let suggested_appointments = batch::suggestions(&sheet, appointments::suggest);
    let names = |f| suggested_appointments.contains(&Some(f));
    let kind = if names(AppointmentField::Date) && names(AppointmentField::Podiatrist) {
        ImportKind::Appointments
    } else {
        ImportKind::Patients
    };
    Ok(SheetPreview {
        headers: sheet.headers.clone(),
        sample: sheet.rows().take(10).map(|r| r.into_iter().map(str::to_string).collect()).collect(),
        rows: sheet.len() as u32,
        kind,
        suggested,
        suggested_appointments,
    })
}

/// What importing the file with `mapping` would do, changing nothing.
pub async fn dry_run(ctx: &Ctx, path: &Path, mapping: &ImportMapping) -> AppResult<ImportReport> {
    let sheet = read(path).await?;
    Ok(match mapping {
        ImportMapping::Patients(m) => batch::report(&patients::analyze(&ctx.pool, &sheet, m).await?),
        ImportMapping::Appointments(m) => {
            may_import_appointments(ctx)?;
            batch::report(&appointments::analyze(&ctx.pool, &sheet, m).await?)
        }
    })
}

/// Imports the file's new rows in batches (see `batch::import`): a cancel stops between two, a row
/// the database refuses meanwhile becomes an error. The rejected rows, if any, are saved as a CSV
/// in `documents` with the file's own columns and a reason column.
pub async fn import(
    ctx: &Ctx,
    documents: &Path,
    path: &Path,
    mapping: &ImportMapping,
    cancel: &AtomicBool,
    progress: impl Fn(ImportProgress),
) -> AppResult<ImportReport> {
    let sheet = read(path).await?;
    match mapping {
        ImportMapping::Patients(m) => {
            let verdicts = patients::analyze(&ctx.pool, &sheet, m).await?;
            let (report, verdicts) = batch::import(ctx, &sheet, verdicts, cancel, progress).await?;
            with_rejected(ctx, documents, &sheet, m, report, &verdicts).await
        }
        ImportMapping::Appointments(m) => {
            may_import_appointments(ctx)?;
            let verdicts = appointments::analyze(&ctx.pool, &sheet, m).await?;
            let (report, verdicts) = batch::import(ctx, &sheet, verdicts, cancel, progress).await?;
            with_rejected(ctx, documents, &sheet, m, report, &verdicts).await
        }
    }
}

/// Appointments are imported for every podiatrist, and bookings ahead may fall outside their
/// hours: the import asks for what booking so at the desk asks for.
fn may_import_appointments(ctx: &Ctx) -> AppResult<()> {
    for permission in [Permission::AppointmentsWriteOthers, Permission::AppointmentsOverrideSchedule] {
        if !ctx.session.permissions.contains(&permission) {
            return Err(AppError::Forbidden { permission });
        }
    }
    Ok(())
}

/// The report with the CSV of its rejected rows, when there are any.
async fn with_rejected<F: Field, R>(
    ctx: &Ctx,
    documents: &Path,
    sheet: &Sheet,
    mapping: &[Option<F>],
    mut report: ImportReport,
    verdicts: &[Verdict<R>],
) -> AppResult<ImportReport> {
    if report.errors + report.duplicates == 0 {
        return Ok(report);
    }
    let column_of = |field: &str| {
        F::EVERY
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
    let rows = batch::rejected_rows(sheet, verdicts, reason);
    let mut header = vec!["Fila".to_string()];
    header.extend(sheet.headers.iter().cloned());
    header.push("Motivo".to_string());
    report.rejected = Some(crate::documents::csv_table(ctx, documents, "importacion-rechazados", header, rows).await?);
    Ok(report)
}

/// The reason column's text (the rejected-rows CSV is a document, in the clinic's language).
fn reason_text(key: &str) -> &str {
    match key {
        "required" => "falta",
        "date_format" => "fecha no válida (use dd/mm/aaaa)",
        "time_format" => "hora no válida (use 14:30 o 2:30 pm)",
        "phone_format" => "teléfono no válido (de 7 a 15 dígitos)",
        "email_format" => "correo no válido",
        "out_of_range" => "fuera de rango",
        "too_long" => "demasiado largo",
        "invalid_value" => "valor no reconocido",
        "time_order" => "termina antes de empezar",
        "unknown_podiatrist" => "no hay un podólogo activo con ese nombre (dé de alta al podólogo y vuelva a importar)",
        "unknown_patient" => "no se encontró al paciente (importe primero los pacientes)",
        "ambiguous" => "hay más de uno con ese nombre",
        "patient_archived" => "el paciente está archivado",
        "past_open" => "una cita pasada debe estar atendida, cancelada o marcada como no asistió",
        "not_yet" => "una cita que aún no ocurre no puede estar atendida ni marcada como no asistió",
        "slot_taken" => "el podólogo ya tiene una cita a esa hora",
        "duplicate" => "posible duplicado: ya está en la clínica o en una fila anterior del archivo",
        other => other,
    }
}
