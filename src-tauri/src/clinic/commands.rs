use tauri::State;

use super::model::ClinicProfile;
use super::service;
use crate::auth::{Permission, require, signed_in};
use crate::error::AppResult;
use crate::state::AppState;

/// The clinic's profile (any signed-in user: the UI needs the time zone and currency).
#[tauri::command]
#[specta::specta]
pub async fn get_clinic_profile(state: State<'_, AppState>) -> AppResult<ClinicProfile> {
    let ctx = signed_in(&state).await?;
    state.observe(service::get(&ctx.pool).await)
}

/// Saves the clinic's profile.
#[tauri::command]
#[specta::specta]
pub async fn update_clinic_profile(state: State<'_, AppState>, profile: ClinicProfile) -> AppResult<ClinicProfile> {
    let ctx = require(&state, Permission::SettingsManage).await?;
    state.observe(service::update(&ctx.pool, &ctx.actor, profile).await)
}
