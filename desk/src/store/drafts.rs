//! Forms that take more than a minute to fill (a clinical note, a new patient, a charge, an
//! expense) are saved as they are typed, in the desk's store, under the user who types them: an
//! idle lock, an expired session, a crash or a restart brings the draft back to the same user, and
//! to no one else. Saving one needs only the desk's own session, with the server or without it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::fault;
use crate::state::AppState;
use podoclinic_clinic::error::{AppError, AppResult};

/// The forms that keep drafts.
pub const FORMS: [&str; 4] = ["visit", "patient", "charge", "expense"];

/// How long a draft nobody came back to is kept on the desk's disk (it may hold a clinical note).
pub const KEEP_DAYS: i64 = 7;

impl super::DeskStore {
    /// Forgets the drafts older than `KEEP_DAYS` (at start, and at each refresh).
    pub(crate) async fn expire_drafts(&self) -> AppResult<()> {
        let before = Utc::now() - chrono::Duration::days(KEEP_DAYS);
        let gone = podoclinic_store::drafts::expire(&self.store, before).await.map_err(fault)?;
        if gone > 0 {
            tracing::info!(drafts = gone, "old drafts forgotten");
        }
        Ok(())
    }
}

/// The most a draft may hold (a long note is a few kilobytes).
const MAX_BYTES: usize = 256 * 1024;

/// A form as it was last typed.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Draft {
    pub form: String,
    /// The record the form is about (a visit's id), or "" for a new one.
    pub subject: String,
    /// The form's fields, as the UI sent them.
    pub body: serde_json::Value,
    pub saved_at: DateTime<Utc>,
}

fn checked<'a>(form: &'a str, subject: &'a str) -> AppResult<(&'a str, &'a str)> {
    if !FORMS.contains(&form) {
        return Err(AppError::validation("form", "unknown_form"));
    }
    podoclinic_clinic::validate::text(subject, "subject", 64)?;
    Ok((form, subject))
}

/// The user typing, and the desk's store.
fn whose(state: &AppState) -> AppResult<(uuid::Uuid, &super::DeskStore)> {
    let session = state.sessions.touch(Utc::now())?;
    let offline = state.store.get().ok_or_else(|| AppError::not_found("draft"))?;
    Ok((session.user_id, offline))
}

pub async fn save(state: &AppState, form: &str, subject: &str, body: serde_json::Value) -> AppResult<()> {
    let (form, subject) = checked(form, subject)?;
    let text = serde_json::to_string(&body).map_err(AppError::internal)?;
    if text.len() > MAX_BYTES {
        return Err(AppError::validation("draft", "too_long"));
    }
    let (user, offline) = whose(state)?;
    let draft = podoclinic_store::drafts::Draft {
        form: form.into(),
        subject: subject.into(),
        body: text,
        saved_at: Utc::now(),
    };
    podoclinic_store::drafts::save(&offline.store, user, &draft).await.map_err(fault)
}

pub async fn find(state: &AppState, form: &str, subject: &str) -> AppResult<Option<Draft>> {
    let (form, subject) = checked(form, subject)?;
    let (user, offline) = whose(state)?;
    let Some(kept) = podoclinic_store::drafts::find(&offline.store, user, form, subject).await.map_err(fault)? else {
        return Ok(None);
    };
    let body = serde_json::from_str(&kept.body).map_err(AppError::internal)?;
    Ok(Some(Draft { form: kept.form, subject: kept.subject, body, saved_at: kept.saved_at }))
}

pub async fn clear(state: &AppState, form: &str, subject: &str) -> AppResult<()> {
    let (form, subject) = checked(form, subject)?;
    let (user, offline) = whose(state)?;
    podoclinic_store::drafts::clear(&offline.store, user, form, subject).await.map_err(fault)
}
