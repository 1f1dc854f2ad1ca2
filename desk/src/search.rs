//! "Buscar paciente" at the desk: the store's directory once it is ready, the server before.

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::error::AppResult;
use podoclinic_clinic::patients::model::PatientSummary;

use crate::state::AppState;

/// "Buscar paciente": from the directory once it holds the server's patients, online and offline
/// alike (no round trip per keystroke); before its first refresh, from the server.
pub async fn search_patients(state: &AppState, query: String) -> AppResult<Vec<PatientSummary>> {
    if let Some(offline) = state.store.get().filter(|o| o.ready()) {
        return state
            .run_on_store(Permission::PatientsRead, query, |_, query| async move { offline.search(&query).await })
            .await;
    }
    state
        .run(Permission::PatientsRead, query, |ctx, query| async move {
            podoclinic_clinic::patients::service::search(&ctx, &query).await
        })
        .await
}
