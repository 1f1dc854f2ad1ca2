use tauri::State;
use uuid::Uuid;

use super::model::{Charge, ChargeInput, Checkout, PatientAccount, Payment, PaymentInput, RefundInput};
use super::service;
use crate::auth::{Permission, require};
use crate::error::AppResult;
use crate::state::AppState;

/// Checkout of an appointment: recorded procedures at today's prices, the charge once made.
#[tauri::command]
#[specta::specta]
pub async fn get_checkout(state: State<'_, AppState>, appointment_id: Uuid) -> AppResult<Checkout> {
    let ctx = require(&state, Permission::PaymentsRead).await?;
    state.observe(service::checkout(&ctx, appointment_id).await)
}

/// One charge with its lines and what was paid on it.
#[tauri::command]
#[specta::specta]
pub async fn get_charge(state: State<'_, AppState>, id: Uuid) -> AppResult<Charge> {
    let ctx = require(&state, Permission::PaymentsRead).await?;
    state.observe(service::charge(&ctx, id).await)
}

/// Makes a charge at today's prices (discounts need their own permission). Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn create_charge(state: State<'_, AppState>, input: ChargeInput) -> AppResult<Charge> {
    let ctx = require(&state, Permission::PaymentsWrite).await?;
    state.observe(service::create_charge(&ctx, input).await)
}

/// Takes a payment into this desk's open cash session. Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn take_payment(state: State<'_, AppState>, input: PaymentInput) -> AppResult<Payment> {
    let ctx = require(&state, Permission::PaymentsWrite).await?;
    state.observe(service::take_payment(&ctx, input).await)
}

/// Gives money back (a negative payment with its reason). Idempotent by `id`.
#[tauri::command]
#[specta::specta]
pub async fn refund_payment(state: State<'_, AppState>, input: RefundInput) -> AppResult<Payment> {
    let ctx = require(&state, Permission::PaymentsRefund).await?;
    state.observe(service::refund(&ctx, input).await)
}

/// A patient's charges, payments and balance.
#[tauri::command]
#[specta::specta]
pub async fn get_patient_account(state: State<'_, AppState>, patient_id: Uuid) -> AppResult<PatientAccount> {
    let ctx = require(&state, Permission::PaymentsRead).await?;
    state.observe(service::account(&ctx, patient_id).await)
}
