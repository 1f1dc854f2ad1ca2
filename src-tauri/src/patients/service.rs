use sqlx::PgPool;
use uuid::Uuid;

use super::model::{CreatePatientOutcome, Patient, PatientSummary, fold};
use super::repo::{self, SearchTerms};
use crate::audit::{self, Actor, Entry};
use crate::clinic::time;
use crate::db::replay;
use crate::error::{AppError, AppResult};

/// Turns what the user typed into search terms. `None` when there is nothing to search for.
pub fn terms(query: &str) -> Option<SearchTerms> {
    let text = fold(query.trim());
    let tokens: Vec<&str> = text.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).collect();
    let digits: String = query.chars().filter(char::is_ascii_digit).collect();
    let words: Vec<&str> = tokens.iter().copied().filter(|t| !t.chars().all(|c| c.is_ascii_digit())).collect();
    if words.is_empty() && digits.len() < 3 {
        return None;
    }
    let escape = |t: &str| t.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    // With no words (a phone number only) the name patterns must match nothing: an empty `LIKE ALL`
    // would match everyone.
    let all: Vec<String> =
        if words.is_empty() { vec![String::new()] } else { words.iter().map(|t| format!("%{}%", escape(t))).collect() };
    let longest = all.iter().max_by_key(|p| p.len()).cloned().unwrap_or_default();
    Some(SearchTerms {
        text: words.join(" "),
        longest,
        all,
        digits: if digits.len() >= 3 { digits } else { String::new() },
    })
}

/// Patients matching any part of the name (accent- and case-insensitive, typo-tolerant) or phone.
#[tracing::instrument(skip_all)]
pub async fn search(pool: &PgPool, query: &str) -> AppResult<Vec<PatientSummary>> {
    match terms(query) {
        Some(t) => repo::search(pool, &t, 20).await,
        None => Ok(Vec::new()),
    }
}

pub async fn get(pool: &PgPool, id: Uuid) -> AppResult<Patient> {
    repo::find(pool, id).await?.ok_or_else(|| AppError::not_found("patient"))
}

/// Creates a patient. Unless `allow_duplicate`, likely duplicates stop the create and are returned
/// for the user to look at. Replaying the same id and content returns the stored patient.
#[tracing::instrument(skip_all)]
pub async fn create(
    pool: &PgPool,
    actor: &Actor,
    input: Patient,
    allow_duplicate: bool,
) -> AppResult<CreatePatientOutcome> {
    let today = time::local_date(time::zone(pool).await?, chrono::Utc::now());
    let p = Patient { archived: false, ..input }.parse(today)?;
    if let Some(stored) = repo::find(pool, p.id).await? {
        return Ok(CreatePatientOutcome { created: Some(replay(stored, &p)?), possible_duplicates: Vec::new() });
    }
    if !allow_duplicate {
        let possible_duplicates = repo::possible_duplicates(pool, &p, &p.phone_key()).await?;
        if !possible_duplicates.is_empty() {
            return Ok(CreatePatientOutcome { created: None, possible_duplicates });
        }
    }
    let mut tx = pool.begin().await?;
    if !repo::insert(&mut *tx, &p).await? {
        drop(tx);
        let stored = repo::find(pool, p.id).await?.ok_or_else(|| AppError::not_found("patient"))?;
        return Ok(CreatePatientOutcome { created: Some(replay(stored, &p)?), possible_duplicates: Vec::new() });
    }
    audit::record(&mut *tx, actor, Entry::new("patient.create", "patient", p.id).after(&p)).await?;
    tx.commit().await?;
    Ok(CreatePatientOutcome { created: Some(p), possible_duplicates: Vec::new() })
}

#[tracing::instrument(skip_all)]
pub async fn update(pool: &PgPool, actor: &Actor, input: Patient) -> AppResult<Patient> {
    let today = time::local_date(time::zone(pool).await?, chrono::Utc::now());
    let mut tx = pool.begin().await?;
    let before = repo::find(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("patient"))?;
    let p = Patient { archived: before.archived, ..input }.parse(today)?;
    repo::update(&mut *tx, &p).await?;
    audit::record(&mut *tx, actor, Entry::new("patient.update", "patient", p.id).before(&before).after(&p)).await?;
    tx.commit().await?;
    Ok(p)
}

/// Archives (or restores) a patient. Patients are never deleted.
#[tracing::instrument(skip_all)]
pub async fn set_archived(pool: &PgPool, actor: &Actor, id: Uuid, archived: bool) -> AppResult<Patient> {
    let mut tx = pool.begin().await?;
    let before = repo::find(&mut *tx, id).await?.ok_or_else(|| AppError::not_found("patient"))?;
    repo::set_archived(&mut *tx, id, archived).await?;
    let action = if archived { "patient.archive" } else { "patient.restore" };
    audit::record(&mut *tx, actor, Entry::new(action, "patient", id)).await?;
    tx.commit().await?;
    Ok(Patient { archived, ..before })
}
