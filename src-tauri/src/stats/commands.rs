use chrono::NaiveDate;
use tauri::State;

use super::model::{Bucket, Dashboard};
use super::repo;
use crate::auth::{Permission, require};
use crate::error::AppResult;
use crate::state::AppState;

/// The stats dashboard for clinic-local days `from` to `to` (inclusive).
#[tauri::command]
#[specta::specta]
pub async fn get_dashboard(
    state: State<'_, AppState>,
    from: NaiveDate,
    to: NaiveDate,
    bucket: Bucket,
) -> AppResult<Dashboard> {
    let ctx = require(&state, Permission::StatsRead).await?;
    state.observe(repo::dashboard(&ctx.pool, from, to, bucket).await)
}
