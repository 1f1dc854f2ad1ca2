use uuid::Uuid;

use crate::audit::{self, Action, Entry};
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};

/// Everything the database holds about the patient, keyed by table (rows as stored; the audit
/// entries about any of them as who, when, where and what). A reading of the whole record:
/// audited, naming how many rows of each table left.
#[tracing::instrument(skip_all, fields(patient_id = %patient_id))]
pub async fn access_export(ctx: &Ctx, patient_id: Uuid) -> AppResult<serde_json::Value> {
    let mut tx = ctx.pool.begin().await?;
    let data: serde_json::Value =
        sqlx::query_scalar!(r#"SELECT patient_data($1) AS "data!""#, patient_id).fetch_one(&mut *tx).await?;
    let tables = data.as_object().ok_or_else(|| AppError::internal("patient_data is not an object"))?;
    if tables.get("patients").and_then(|p| p.as_array()).is_none_or(|p| p.is_empty()) {
        return Err(AppError::not_found("patient"));
    }
    let counts: serde_json::Map<String, serde_json::Value> =
        tables.iter().map(|(table, rows)| (table.clone(), rows.as_array().map_or(0, Vec::len).into())).collect();
    let entry = Entry::new(Action::PrivacyAccessExport, "patient", patient_id).after(&counts);
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    tx.commit().await?;
    Ok(data)
}
