use crate::commands::arg::Arg;
use tauri::State;
use uuid::Uuid;

use podoclinic_clinic::auth::Permission;
use podoclinic_clinic::billing::model::{
    Charge, ChargeInput, Checkout, PatientAccount, Payment, PaymentInput, RefundInput,
};
use podoclinic_clinic::billing::service;
use podoclinic_clinic::error::{AppError, AppResult};
use podoclinic_desk::state::AppState;

/// Checkout of an appointment: recorded procedures at today's prices, the charge once made.
#[tauri::command]
#[specta::specta]
pub async fn get_checkout(state: State<'_, AppState>, appointment_id: Arg<Uuid>) -> AppResult<Checkout> {
    let appointment_id = appointment_id.0;
    state
        .run(Permission::PaymentsRead, appointment_id, |ctx, appointment_id| async move {
            service::checkout(&ctx, appointment_id).await
        })
        .await
}

/// One charge with its lines and what was paid on it.
#[tauri::command]
#[specta::specta]
pub async fn get_charge(state: State<'_, AppState>, id: Arg<Uuid>) -> AppResult<Charge> {
    let id = id.0;
    state
        .run_or_store(
            Permission::PaymentsRead,
            id,
            |ctx, id| async move { service::charge(&ctx, id).await },
            |store, id| async move { store.kept_charge(id, None).await?.ok_or(AppError::Offline) },
        )
        .await
}

/// Makes a charge at today's prices (discounts need their own permission). Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn create_charge(state: State<'_, AppState>, input: Arg<ChargeInput>) -> AppResult<Charge> {
    let input = input.0;
    state
        .run_or_outbox(
            Permission::PaymentsWrite,
            input,
            |ctx, input| async move { service::create_charge(&ctx, input).await },
            |outbox, input| async move { outbox.create_charge(input).await },
        )
        .await
}

/// Takes a payment into this desk's open cash session. Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn take_payment(state: State<'_, AppState>, input: Arg<PaymentInput>) -> AppResult<Payment> {
    let input = input.0;
    state
        .run_or_outbox(
            Permission::PaymentsWrite,
            input,
            |ctx, input| async move { service::take_payment(&ctx, input).await },
            |outbox, input| async move { outbox.take_payment(input).await },
        )
        .await
}

/// Gives money back (a negative payment with its reason). Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn refund_payment(state: State<'_, AppState>, input: Arg<RefundInput>) -> AppResult<Payment> {
    let input = input.0;
    state.run(Permission::PaymentsRefund, input, |ctx, input| async move { service::refund(&ctx, input).await }).await
}

/// A patient's charges, payments and balance.
#[tauri::command]
#[specta::specta]
pub async fn get_patient_account(state: State<'_, AppState>, patient_id: Arg<Uuid>) -> AppResult<PatientAccount> {
    let patient_id = patient_id.0;
    state
        .run(
            Permission::PaymentsRead,
            patient_id,
            |ctx, patient_id| async move { service::account(&ctx, patient_id).await },
        )
        .await
}
