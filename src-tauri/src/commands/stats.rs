use crate::commands::arg::Arg;
use chrono::NaiveDate;
use tauri::State;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::error::AppResult;
use podoclinic_clinic::stats::model::{Bucket, Dashboard};
use podoclinic_clinic::stats::service;
use podoclinic_desk::state::AppState;

/// The stats dashboard for clinic-local days `from` to `to` (inclusive).
#[tauri::command]
#[specta::specta]
pub async fn get_dashboard(
    state: State<'_, AppState>,
    from: Arg<NaiveDate>,
    to: Arg<NaiveDate>,
    bucket: Arg<Bucket>,
) -> AppResult<Dashboard> {
    let from = from.0;
    let to = to.0;
    let bucket = bucket.0;
    state
        .run(Permission::StatsRead, (from, to, bucket), |ctx, (from, to, bucket)| async move {
            service::dashboard(&ctx, from, to, bucket).await
        })
        .await
}
