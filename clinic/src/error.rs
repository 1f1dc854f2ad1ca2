//! The one error type every command returns, and the mapping from database errors to it.

use serde::{Deserialize, Serialize};

use crate::auth::Permission;

/// What went wrong, in the terms the UI branches on. Messages are i18n keys, never raw text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum AppError {
    /// Bad input; `field` names the form field and `key` the message in the UI's catalog.
    #[error("invalid {field}: {key}")]
    Validation { field: String, key: String },
    /// The record does not exist (or is not visible to this user).
    #[error("{entity} not found")]
    NotFound { entity: String },
    /// The change clashes with what is stored (duplicate name, reused id, ...).
    #[error("conflict: {key}")]
    Conflict { key: String, field: Option<String> },
    /// The podiatrist already has a live appointment at that time; it is named here.
    #[error("slot taken by appointment {appointment_id}")]
    #[serde(rename_all = "camelCase")]
    SlotTaken { appointment_id: uuid::Uuid, starts_at: String, ends_at: String, patient_name: String },
    /// Not enough of a product in stock for a sale or a visit's consumables.
    #[error("stock short")]
    #[serde(rename_all = "camelCase")]
    StockShort { product_name: String, needed: i32, available: i32 },
    /// A catalog treatment needs a signed consent letter the patient has none in force of: the
    /// treatment and the kind of letter are named.
    #[error("consent required")]
    #[serde(rename_all = "camelCase")]
    ConsentRequired { treatment_name: String, consent: crate::consents::kind::ConsentKind },
    /// A consent template's body lacks a placeholder NOM-004 requires; the first missing is named.
    #[error("template lacks {placeholder}")]
    TemplateIncomplete { placeholder: String },
    /// No session, or it ended (logout, 12-hour limit, user deactivated).
    #[error("not signed in")]
    Unauthorized,
    /// The session is idle-locked: the same user must enter the password again.
    #[error("session locked")]
    SessionLocked,
    /// The session began without the server and the server is back: the same user must give their
    /// password to the server before anything else is done or sent in their name.
    #[error("password to be confirmed with the server")]
    ConfirmPassword,
    /// Wrong username or password; says nothing about which.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Too many failed logins: the account is locked until `until` (RFC 3339).
    #[error("account locked out")]
    LockedOut { until: String },
    /// Signed in, but the role lacks this permission.
    #[error("forbidden: {permission:?}")]
    Forbidden { permission: Permission },
    /// The database does not answer right now.
    #[error("database unreachable")]
    Offline,
    /// Another desk is saving the same thing and held it longer than the wait allowed (the
    /// database's lock timeout): nothing was saved; try again.
    #[error("another desk is saving this")]
    Busy,
    /// The transaction lost a deadlock or a serialization conflict to another desk's and was
    /// rolled back: nothing was saved, and running it again is safe. `AppState::run` does so a few
    /// times before answering `Busy`.
    #[error("transaction conflict")]
    Conflicted,
    /// The database schema is newer than this desk's app: update the app before writing.
    #[error("this desk must be updated")]
    UpdateRequired,
    /// A fault; the details are in the log under `logId`.
    #[error("internal error {log_id}")]
    #[serde(rename_all = "camelCase")]
    Internal { log_id: String },
}

pub type AppResult<T> = Result<T, AppError>;

/// Logs a fault under a fresh id and returns the id, the only part a user is shown.
pub fn log_fault(source: impl std::fmt::Display) -> String {
    let log_id = uuid::Uuid::now_v7().simple().to_string()[..12].to_string();
    tracing::error!(log_id, error = %source, "internal error");
    log_id
}

impl AppError {
    pub fn validation(field: &str, key: &str) -> Self {
        Self::Validation { field: field.into(), key: key.into() }
    }

    pub fn not_found(entity: &str) -> Self {
        Self::NotFound { entity: entity.into() }
    }

    pub fn conflict(key: &str, field: Option<&str>) -> Self {
        Self::Conflict { key: key.into(), field: field.map(Into::into) }
    }

    /// Logs `source` with a fresh id and returns an error that shows the user only that id.
    pub fn internal(source: impl std::fmt::Display) -> Self {
        Self::Internal { log_id: log_fault(source) }
    }
}

/// Constraint names the UI can explain, and what they mean. Everything else is internal.
type MakeError = fn() -> AppError;

const CONSTRAINTS: &[(&str, MakeError)] = &[
    ("users_username_key", || AppError::conflict("username_taken", Some("username"))),
    ("users_username_format", || AppError::validation("username", "username_format")),
    ("users_display_name_not_blank", || AppError::validation("displayName", "required")),
    ("roles_name_key", || AppError::conflict("role_name_taken", Some("name"))),
    ("roles_name_not_blank", || AppError::validation("name", "required")),
    ("users_role_id_fkey", || AppError::not_found("role")),
    ("audit_log_append_only", || AppError::conflict("audit_log_append_only", None)),
    ("patients_never_deleted", || AppError::conflict("never_deleted", None)),
    ("podiatrists_never_deleted", || AppError::conflict("never_deleted", None)),
    ("appointments_never_deleted", || AppError::conflict("never_deleted", None)),
    ("podiatrists_user_key", || AppError::conflict("user_already_linked", Some("userId"))),
    ("podiatrists_user_id_fkey", || AppError::validation("userId", "unknown_user")),
    ("podiatrists_color_check", || AppError::validation("color", "color_format")),
    ("schedule_blocks_no_overlap", || AppError::validation("blocks", "blocks_overlap")),
    ("schedule_blocks_order", || AppError::validation("blocks", "block_order")),
    ("appointments_transition", || AppError::validation("status", "invalid_transition")),
    ("appointments_closed", || AppError::conflict("appointment_closed", None)),
    ("appointments_patient_id_fkey", || AppError::validation("patientId", "unknown_patient")),
    ("appointments_podiatrist_id_fkey", || AppError::validation("podiatristId", "unknown_podiatrist")),
    ("products_sku_key", || AppError::conflict("sku_taken", Some("sku"))),
    ("products_never_deleted", || AppError::conflict("never_deleted", None)),
    ("treatments_name_key", || AppError::conflict("name_taken", Some("name"))),
    ("treatments_never_deleted", || AppError::conflict("never_deleted", None)),
    ("treatment_consumables_product_id_fkey", || AppError::validation("consumables", "unknown_product")),
    ("visits_signed", || AppError::conflict("visit_signed", None)),
    ("visits_never_deleted", || AppError::conflict("never_deleted", None)),
    ("visits_sign_needs_risk", || AppError::validation("riskCategory", "required")),
    ("visits_sign_needs_diagnosis", || AppError::validation("diagnoses", "required")),
    ("visits_sign_needs_plan", || AppError::validation("plan", "required")),
    ("visits_diagnoses_shape", || AppError::validation("diagnoses", "invalid")),
    ("patients_curp_format", || AppError::validation("curp", "curp_format")),
    ("patients_blocked", || AppError::conflict("patient_blocked", None)),
    ("patients_blocked_archived", || AppError::conflict("patient_blocked", None)),
    ("patients_block_needs_request", || AppError::conflict("request_not_blocking", None)),
    ("privacy_notices_append_only", || AppError::conflict("append_only", None)),
    ("privacy_consents_append_only", || AppError::conflict("append_only", None)),
    ("arco_requests_append_only", || AppError::conflict("request_answered", None)),
    ("arco_requests_requester_not_blank", || AppError::validation("requester", "required")),
    ("arco_requests_patient_id_fkey", || AppError::validation("patientId", "unknown_patient")),
    ("privacy_consents_patient_id_fkey", || AppError::validation("patientId", "unknown_patient")),
    ("patients_curp_key", || AppError::conflict("curp_taken", Some("curp"))),
    ("visit_procedures_treatment_id_fkey", || AppError::validation("procedures", "unknown_treatment")),
    ("visit_addenda_append_only", || AppError::conflict("append_only", None)),
    ("visit_addenda_needs_signed", || AppError::conflict("visit_not_signed", None)),
    ("referrals_append_only", || AppError::conflict("append_only", None)),
    ("patient_histories_append_only", || AppError::conflict("append_only", None)),
    ("patient_histories_patient_id_fkey", || AppError::validation("patientId", "unknown_patient")),
    ("referrals_needs_signed", || AppError::conflict("visit_not_signed", None)),
    ("referrals_receiving_not_blank", || AppError::validation("receiving", "required")),
    ("referrals_reason_not_blank", || AppError::validation("reason", "required")),
    ("referrals_impression_not_blank", || AppError::validation("impression", "required")),
    ("cash_registers_name_key", || AppError::conflict("name_taken", Some("name"))),
    ("cash_sessions_one_open", || AppError::conflict("cash_session_open", None)),
    ("cash_session_closed", || AppError::conflict("cash_session_closed", None)),
    ("cash_entry_backdated", || AppError::conflict("cash_entry_backdated", None)),
    ("charges_visit_key", || AppError::conflict("visit_already_charged", Some("visitId"))),
    ("charges_patient_id_fkey", || AppError::validation("patientId", "unknown_patient")),
    ("charges_append_only", || AppError::conflict("append_only", None)),
    ("charge_lines_append_only", || AppError::conflict("append_only", None)),
    ("payments_append_only", || AppError::conflict("append_only", None)),
    ("payments_patient_id_fkey", || AppError::validation("patientId", "unknown_patient")),
    ("cash_movements_append_only", || AppError::conflict("append_only", None)),
    ("expenses_append_only", || AppError::conflict("append_only", None)),
    ("expenses_category_id_fkey", || AppError::validation("categoryId", "unknown_category")),
    ("expenses_supplier_id_fkey", || AppError::validation("supplierId", "unknown_supplier")),
    ("expense_categories_name_key", || AppError::conflict("name_taken", Some("name"))),
    ("products_stock_not_negative", || AppError::conflict("stock_short", Some("quantity"))),
    ("products_stock_by_ledger", || AppError::conflict("append_only", None)),
    ("stock_movements_append_only", || AppError::conflict("append_only", None)),
    ("stock_movements_product_id_fkey", || AppError::validation("productId", "unknown_product")),
    ("purchases_supplier_id_fkey", || AppError::validation("supplierId", "unknown_supplier")),
    ("suppliers_rfc_format", || AppError::validation("rfc", "rfc_format")),
    ("suppliers_rfc_key", || AppError::conflict("rfc_taken", Some("rfc"))),
    ("suppliers_never_deleted", || AppError::conflict("never_deleted", None)),
    ("consent_templates_append_only", || AppError::conflict("append_only", None)),
    ("consent_letters_append_only", || AppError::conflict("append_only", None)),
    ("consent_revocations_append_only", || AppError::conflict("append_only", None)),
    ("consent_templates_version_key", || AppError::conflict("template_superseded", None)),
    ("consent_letters_template_superseded", || AppError::conflict("template_superseded", Some("templateId"))),
    ("consent_letters_witnesses", || AppError::validation("witnesses", "required")),
    ("consent_letters_patient_id_fkey", || AppError::validation("patientId", "unknown_patient")),
    ("consent_letters_template_id_fkey", || AppError::not_found("template")),
    ("consent_revocations_letter_id_fkey", || AppError::not_found("letter")),
    ("visit_procedures_need_consent", || AppError::conflict("consent_required", Some("procedures"))),
    ("purge_needs_permission", || AppError::conflict("purge_not_allowed", None)),
    ("purge_needs_block", || AppError::conflict("request_not_blocking", None)),
    ("patient_purged", || AppError::conflict("record_purged", None)),
    ("retention_not_over", || AppError::conflict("retention_not_over", None)),
    ("visits_erased_by_purge", || AppError::conflict("append_only", None)),
    ("patients_purged_blocked", || AppError::conflict("patient_blocked", None)),
    ("privacy_consents_signed", || AppError::validation("signature", "signature_missing")),
];

/// Maps a constraint violation to the domain error named for it, if any.
pub fn constraint_error(constraint: &str) -> Option<AppError> {
    CONSTRAINTS.iter().find(|(name, _)| *name == constraint).map(|(_, make)| make())
}

/// The record a foreign key points at, from its name and its table (PostgreSQL names a foreign
/// key `<table>_<column>_fkey`; a column `<record>_id` points at a `<record>`).
fn referenced_entity<'a>(table: &str, constraint: &'a str) -> Option<&'a str> {
    constraint.strip_prefix(table)?.strip_prefix('_')?.strip_suffix("_id_fkey")
}

/// True when the error means "the database is not there", as opposed to "the query was wrong".
pub fn is_connection_error(err: &sqlx::Error) -> bool {
    matches!(
        err,
        sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Tls(_)
    ) || matches!(err, sqlx::Error::Database(db) if db.code().is_some_and(|c| c.starts_with("57P") || c.starts_with("08")))
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        if is_connection_error(&err) {
            tracing::warn!(error = %err, "database unreachable");
            return AppError::Offline;
        }
        if let sqlx::Error::Database(db) = &err {
            match db.code().as_deref() {
                // lock_not_available: `lock_timeout` ran out waiting for another desk's row.
                Some("55P03") => return AppError::Busy,
                // deadlock_detected, serialization_failure: rolled back, safe to run again.
                Some("40P01" | "40001") => {
                    tracing::warn!(error = %err, "transaction conflict");
                    return AppError::Conflicted;
                }
                // The last wall for text a check upstream missed: a NUL (in text, or escaped in
                // JSON) or a value longer than its column. Bad input, not a fault; the text
                // itself is not logged (it may be a patient's).
                Some(code @ ("22021" | "22P05" | "22001")) => {
                    tracing::warn!(code, "text refused by the database");
                    let key = if code == "22001" { "too_long" } else { "control_characters" };
                    return AppError::validation("text", key);
                }
                _ => {}
            }
        }
        if let sqlx::Error::RowNotFound = err {
            return AppError::not_found("record");
        }
        if let sqlx::Error::Database(db) = &err
            && let Some(mapped) = db.constraint().and_then(constraint_error)
        {
            return mapped;
        }
        // A reference to a record that is not there (an id from a stale screen, or made up): the
        // record the foreign key names is "not found", never a fault.
        if let sqlx::Error::Database(db) = &err
            && db.code().as_deref() == Some("23503")
            && let (Some(table), Some(constraint)) = (db.table(), db.constraint())
            && let Some(entity) = referenced_entity(table, constraint)
        {
            return AppError::not_found(entity);
        }
        // A length CHECK (migration 12): the forms check first, so this is the last wall.
        if let sqlx::Error::Database(db) = &err
            && let Some(limit) = db.constraint().and_then(crate::limits::for_constraint)
        {
            return AppError::validation(limit.field, "too_long");
        }
        AppError::internal(err)
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(err: tokio::task::JoinError) -> Self {
        AppError::internal(err)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_foreign_key_names_the_record_it_points_at() {
        assert_eq!(
            super::referenced_entity("schedule_blocks", "schedule_blocks_podiatrist_id_fkey"),
            Some("podiatrist")
        );
        assert_eq!(super::referenced_entity("charge_lines", "charge_lines_charge_id_fkey"), Some("charge"));
        assert_eq!(super::referenced_entity("charges", "charge_lines_charge_id_fkey"), None);
        assert_eq!(super::referenced_entity("users", "users_role_fkey"), None);
    }
}
