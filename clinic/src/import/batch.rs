//! What every import shares, whatever it brings: a verdict per row, the report counted from them,
//! the rejected rows for the CSV, and the write in batches (each batch one transaction, a cancel
//! between two, progress after each, one audit entry with the counts).

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use super::model::{Field, ImportProgress, ImportReport, RowProblem};
use super::sheet::Sheet;
use crate::audit::{self, Action, Entry};
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};
use crate::patients::model::fold;
use uuid::Uuid;

/// How many problems a report lists (the rejected-rows CSV has them all).
const LISTED: usize = 200;

/// What becomes of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict<R> {
    New(Box<R>),
    Duplicate(u32),
    Already(u32),
    Error(RowProblem),
}

impl<R> Verdict<R> {
    /// Why the row is not imported, if it is not.
    pub fn problem(&self) -> Option<RowProblem> {
        match self {
            Verdict::Duplicate(row) => Some(RowProblem { row: *row, field: None, key: "duplicate".into() }),
            Verdict::Error(p) => Some(p.clone()),
            Verdict::New(_) | Verdict::Already(_) => None,
        }
    }
}

/// A row's problem in a field.
pub fn problem(row: u32, field: impl Field, key: &str) -> RowProblem {
    RowProblem { row, field: Some(field.form_name().to_string()), key: key.to_string() }
}

/// The id a row imports under, in `namespace` (UUID v5): from the old system's key when the file
/// has one (so any file bringing that key brings the same record), else from the file's bytes and
/// the row's number. Importing the same file again, or a retried batch, adds nothing twice.
pub fn derived_id(namespace: &Uuid, digest: &[u8; 32], key: Option<&str>, number: u32) -> Uuid {
    match key {
        Some(key) => Uuid::new_v5(namespace, format!("key:{key}").as_bytes()),
        None => Uuid::new_v5(namespace, &[&digest[..], &number.to_be_bytes()].concat()),
    }
}

/// Text as matched against a header or a name: accents, case, punctuation and spacing aside
/// ("Fecha_de Nac." is "fecha de nac", "Dra. Ruiz" is "dra ruiz").
pub fn name_key(text: &str) -> String {
    let spaced: String = fold(text).chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A row's problem from a validator's error (its field and key).
pub fn error_problem(row: u32, e: AppError) -> RowProblem {
    match e {
        AppError::Validation { field, key } => RowProblem { row, field: Some(field), key },
        other => RowProblem { row, field: None, key: other.to_string() },
    }
}

/// The suggested field of each column, each field at its first column only.
pub fn suggestions<F: Field>(sheet: &Sheet, suggest: impl Fn(&str) -> Option<F>) -> Vec<Option<F>> {
    let mut seen = HashSet::new();
    sheet.headers.iter().map(|h| suggest(h).filter(|f| seen.insert(*f))).collect()
}

/// A mapping has one entry per column and each field at most once; returns the fields mapped.
pub fn mapped_fields<F: Field>(sheet: &Sheet, mapping: &[Option<F>]) -> AppResult<HashSet<F>> {
    if mapping.len() != sheet.headers.len() {
        return Err(AppError::validation("mapping", "mapping_length"));
    }
    let mut seen = HashSet::new();
    for f in mapping.iter().flatten() {
        if !seen.insert(*f) {
            return Err(AppError::validation("mapping", "field_mapped_twice"));
        }
    }
    Ok(seen)
}

/// The counts and the first problems of a set of verdicts.
pub fn report<R>(verdicts: &[Verdict<R>]) -> ImportReport {
    let mut r = ImportReport {
        rows: verdicts.len() as u32,
        new: 0,
        duplicates: 0,
        already: 0,
        errors: 0,
        problems: Vec::new(),
        imported: 0,
        cancelled: false,
        rejected: None,
    };
    for v in verdicts {
        match v {
            Verdict::New(_) => r.new += 1,
            Verdict::Duplicate(_) => r.duplicates += 1,
            Verdict::Already(_) => r.already += 1,
            Verdict::Error(_) => r.errors += 1,
        }
        if let Some(p) = v.problem()
            && r.problems.len() < LISTED
        {
            r.problems.push(p);
        }
    }
    r
}

/// The rejected rows (errors and likely duplicates) as the file had them, with a reason column.
pub fn rejected_rows<R>(
    sheet: &Sheet,
    verdicts: &[Verdict<R>],
    reason: impl Fn(&RowProblem) -> String,
) -> Vec<Vec<String>> {
    verdicts
        .iter()
        .zip(sheet.rows())
        .filter_map(|(v, cells)| v.problem().map(|p| (p, cells)))
        .map(|(p, cells)| {
            let mut out = vec![p.row.to_string()];
            out.extend(cells.iter().map(|c| c.to_string()));
            out.push(reason(&p));
            out
        })
        .collect()
}

/// What a batch's write did: how many rows it wrote, and the row numbers the database refused
/// (a rule it holds, such as one podiatrist never twice at once).
#[derive(Debug, Default)]
pub struct Written {
    pub rows: u64,
    pub refused: Vec<u32>,
}

/// Rows an import writes.
pub trait Rows: Sized + Sync {
    /// The audit entry an import of them leaves.
    const ACTION: Action;
    /// Rows written per transaction: a cancel stops between two batches, never inside one.
    const BATCH: usize;
    /// The row's number in the sheet.
    fn number(&self) -> u32;
    /// Why the database refused the row (see `Written::refused`).
    fn refused(number: u32) -> RowProblem;
    /// Writes one batch in one statement, as `user`.
    fn insert<'a>(
        db: &'a mut sqlx::PgConnection,
        rows: &'a [&'a Self],
        user: uuid::Uuid,
    ) -> impl Future<Output = AppResult<Written>> + Send + 'a;
}

/// Imports the new rows of `verdicts` (see `write`). A row the database refused when its batch was
/// written becomes an error, in the verdicts and in the report.
pub async fn import<R: Rows>(
    ctx: &Ctx,
    sheet: &Sheet,
    mut verdicts: Vec<Verdict<R>>,
    cancel: &AtomicBool,
    progress: impl Fn(ImportProgress),
) -> AppResult<(ImportReport, Vec<Verdict<R>>)> {
    let mut counted = report(&verdicts);
    let new: Vec<&R> = verdicts
        .iter()
        .filter_map(|v| match v {
            Verdict::New(row) => Some(&**row),
            _ => None,
        })
        .collect();
    let refused = write(ctx, sheet, &mut counted, &new, cancel, progress).await?;
    if !refused.is_empty() {
        let refused: HashSet<u32> = refused.into_iter().collect();
        for v in verdicts.iter_mut() {
            if let Verdict::New(row) = v
                && refused.contains(&row.number())
            {
                *v = Verdict::Error(R::refused(row.number()));
            }
        }
        let again = report(&verdicts);
        (counted.new, counted.errors, counted.problems) = (again.new, again.errors, again.problems);
    }
    Ok((counted, verdicts))
}

/// Writes `rows` in batches of `R::BATCH`, each in one transaction, telling `progress` after each
/// and stopping between batches once `cancel` is set. The report's `imported` and `cancelled` are
/// filled in; rows the database refused come back, for the caller to report. One audit entry
/// names the file and the counts, failure included.
async fn write<R: Rows>(
    ctx: &Ctx,
    sheet: &Sheet,
    report: &mut ImportReport,
    rows: &[&R],
    cancel: &AtomicBool,
    progress: impl Fn(ImportProgress),
) -> AppResult<Vec<u32>> {
    let user = ctx.session.user_id;
    let total = rows.len() as u32;
    let started = std::time::Instant::now();
    progress(ImportProgress { total, done: 0, eta_seconds: None, running: true });
    let (mut failed, mut refused, mut done) = (None, Vec::new(), 0_u32);
    for batch in rows.chunks(R::BATCH) {
        if cancel.load(Ordering::SeqCst) {
            report.cancelled = true;
            break;
        }
        let written = async {
            let mut tx = ctx.pool.begin().await?;
            let written = R::insert(&mut tx, batch, user).await?;
            tx.commit().await?;
            Ok::<_, AppError>(written)
        }
        .await;
        match written {
            Ok(written) => {
                report.imported += written.rows as u32;
                refused.extend(written.refused);
            }
            Err(e) => {
                // The batches written before stay, and are audited below with the failure.
                failed = Some(e);
                break;
            }
        }
        done += batch.len() as u32;
        let eta = (started.elapsed().as_secs_f64() / f64::from(done) * f64::from(total - done)) as u32;
        progress(ImportProgress { total, done, eta_seconds: Some(eta), running: true });
    }
    let digest: String = sheet.digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    let entry = Entry::new(R::ACTION, "import", &digest).after(&serde_json::json!({
        "rows": report.rows,
        "new": report.new,
        "imported": report.imported,
        "duplicates": report.duplicates,
        "already": report.already,
        "errors": report.errors + refused.len() as u32,
        "cancelled": report.cancelled,
        "failed": failed.is_some(),
    }));
    audit::record(&ctx.pool, &ctx.actor, entry).await?;
    progress(ImportProgress { total, done, eta_seconds: Some(0), running: false });
    match failed {
        Some(e) => Err(e),
        None => Ok(refused),
    }
}
