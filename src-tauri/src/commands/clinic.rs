use crate::commands::arg::Arg;
use tauri::State;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::error::AppResult;
use podoclinic_clinic::profile::model::ClinicProfile;
use podoclinic_clinic::profile::service;
use podoclinic_desk::state::AppState;

/// The clinic's profile (any signed-in user: the UI needs the time zone and currency).
#[tauri::command]
#[specta::specta]
pub async fn get_clinic_profile(state: State<'_, AppState>) -> AppResult<ClinicProfile> {
    state.run_signed_in((), |ctx, ()| async move { service::get(&ctx).await }).await
}

/// Saves the clinic's profile.
#[tauri::command]
#[specta::specta]
pub async fn update_clinic_profile(
    state: State<'_, AppState>,
    profile: Arg<ClinicProfile>,
) -> AppResult<ClinicProfile> {
    let profile = profile.0;
    state
        .run(Permission::SettingsManage, profile, |ctx, profile| async move { service::update(&ctx, profile).await })
        .await
}
