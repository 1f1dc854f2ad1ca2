use uuid::Uuid;

use super::model::{CreatePatientOutcome, Patient, PatientSummary, fold};
use super::repo::{self, Candidate, SearchTerms};
use crate::audit::{self, Action, Entry};
use crate::auth::Ctx;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::profile::time;

/// Turns what the user typed into search terms. `None` when there is nothing to search for.
pub fn terms(query: &str) -> Option<SearchTerms> {
    let text = fold(query.trim());
    let digits: String = query.chars().filter(char::is_ascii_digit).collect();
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty() && !t.chars().all(|c| c.is_ascii_digit()))
        .take(6)
        .map(String::from)
        .collect();
    if words.is_empty() && digits.len() < 3 {
        return None;
    }
    Some(SearchTerms { words, digits: if digits.len() >= 3 { digits } else { String::new() } })
}

/// How many matches are fetched for ranking; typing on narrows a common name.
const CANDIDATES: i64 = 200;
const RESULTS: usize = 20;

/// Best first: the name starts with the first word typed, then every word typed starts a word of
/// the name, then alphabetical (namesakes by id, so every source ranks them alike).
fn rank(candidates: Vec<Candidate>, words: &[String]) -> Vec<PatientSummary> {
    let mut scored: Vec<(bool, bool, Candidate)> = candidates
        .into_iter()
        .map(|c| {
            let starts = words.first().is_some_and(|w| c.search_name.starts_with(w.as_str()));
            let name_words: Vec<&str> = c.search_name.split(|ch: char| !ch.is_alphanumeric()).collect();
            let word_starts = words.iter().all(|w| name_words.iter().any(|n| n.starts_with(w.as_str())));
            (starts, word_starts, c)
        })
        .collect();
    scored.sort_by(|a, b| {
        (!a.0, !a.1, &a.2.search_name, a.2.summary.id).cmp(&(!b.0, !b.1, &b.2.search_name, b.2.summary.id))
    });
    scored.into_iter().take(RESULTS).map(|(_, _, c)| c.summary).collect()
}

/// Where a search looks: the server's tables (`Server`) or the desk's directory
/// (the desk's `offline::directory::Directory`). Both answer the same three questions by the same rules, and
/// `search_in` asks them in the same order, so a query finds the same patients in either.
pub trait Source {
    /// Up to `limit` active patients whose name contains every word (or phone the digits).
    fn candidates(&self, terms: &SearchTerms, limit: i64) -> impl Future<Output = AppResult<Vec<Candidate>>>;
    /// Whether some name word contains `word`.
    fn word_exists(&self, word: &str) -> impl Future<Output = AppResult<bool>>;
    /// The known name word nearest a mistyped one.
    fn nearest_word(&self, word: &str) -> impl Future<Output = AppResult<Option<String>>>;
}

/// The server's tables.
pub struct Server<'a>(pub &'a sqlx::PgPool);

impl Source for Server<'_> {
    async fn candidates(&self, terms: &SearchTerms, limit: i64) -> AppResult<Vec<Candidate>> {
        repo::candidates(self.0, terms, limit).await
    }

    async fn word_exists(&self, word: &str) -> AppResult<bool> {
        repo::word_exists(self.0, word).await
    }

    async fn nearest_word(&self, word: &str) -> AppResult<Option<String>> {
        repo::nearest_word(self.0, word).await
    }
}

/// Patients matching any part of the name (accent- and case-insensitive) or phone, as the user
/// types, from the server.
#[tracing::instrument(skip_all)]
pub async fn search(ctx: &Ctx, query: &str) -> AppResult<Vec<PatientSummary>> {
    search_in(&Server(&ctx.pool), query).await
}

/// Patients matching any part of the name (accent- and case-insensitive) or phone. When nothing
/// matches, each word that no name contains is replaced by the nearest known name word, so
/// "gonzales" still finds "González".
pub async fn search_in(source: &impl Source, query: &str) -> AppResult<Vec<PatientSummary>> {
    crate::validate::text(query, "query", 200)?;
    let Some(terms) = terms(query) else { return Ok(Vec::new()) };
    let found = source.candidates(&terms, CANDIDATES).await?;
    if !found.is_empty() || terms.words.is_empty() {
        return Ok(rank(found, &terms.words));
    }
    let mut corrected = Vec::with_capacity(terms.words.len());
    let mut changed = false;
    for word in &terms.words {
        if word.chars().count() >= 3
            && !source.word_exists(word).await?
            && let Some(near) = source.nearest_word(word).await?
        {
            corrected.push(near);
            changed = true;
            continue;
        }
        corrected.push(word.clone());
    }
    if !changed {
        return Ok(Vec::new());
    }
    let found = source.candidates(&SearchTerms { words: corrected.clone(), digits: terms.digits }, CANDIDATES).await?;
    Ok(rank(found, &corrected))
}

/// One patient's record. Every reading is audited.
#[tracing::instrument(skip_all, fields(patient_id = %id))]
pub async fn get(ctx: &Ctx, id: Uuid) -> AppResult<Patient> {
    crate::privacy::service::ensure_open(&ctx.pool, id).await?;
    let patient = repo::find(&ctx.pool, id).await?.ok_or_else(|| AppError::not_found("patient"))?;
    audit::record(&ctx.pool, &ctx.actor, Entry::new(Action::PatientRead, "patient", id)).await?;
    Ok(patient)
}

/// Creates a patient. Unless `allow_duplicate`, likely duplicates stop the create and are returned
/// for the user to look at. Replaying the same id and content returns the stored patient.
#[tracing::instrument(skip_all, fields(patient_id = %input.id))]
pub async fn create(ctx: &Ctx, input: Patient, allow_duplicate: bool) -> AppResult<CreatePatientOutcome> {
    let today = time::local_date(time::zone(&ctx.pool).await?, chrono::Utc::now());
    let p = Patient { archived: false, ..input }.parse(today)?;
    let mut tx = ctx.pool.begin().await?;
    if let Some(stored) = db::replayed(&mut tx, &p).await? {
        return Ok(CreatePatientOutcome { created: Some(stored), possible_duplicates: Vec::new() });
    }
    if !allow_duplicate {
        let possible_duplicates = repo::possible_duplicates(&mut *tx, &p, &p.phone_key()).await?;
        if !possible_duplicates.is_empty() {
            return Ok(CreatePatientOutcome { created: None, possible_duplicates });
        }
    }
    repo::insert(&mut *tx, &p).await?;
    audit::record(&mut *tx, &ctx.actor, Entry::new(Action::PatientCreate, "patient", p.id).after(&p)).await?;
    tx.commit().await?;
    Ok(CreatePatientOutcome { created: Some(p), possible_duplicates: Vec::new() })
}

/// Saves changes to a patient's record (not the archived flag: see `set_archived`).
#[tracing::instrument(skip_all, fields(patient_id = %input.id))]
pub async fn update(ctx: &Ctx, input: Patient) -> AppResult<Patient> {
    let today = time::local_date(time::zone(&ctx.pool).await?, chrono::Utc::now());
    let mut tx = ctx.pool.begin().await?;
    let before = repo::find(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("patient"))?;
    let p = Patient { archived: before.archived, ..input }.parse(today)?;
    if !repo::update(&mut *tx, &p).await? {
        return Err(AppError::conflict("patient_changed", None));
    }
    let after = repo::find(&mut *tx, p.id).await?.ok_or_else(|| AppError::not_found("patient"))?;
    audit::record(
        &mut *tx,
        &ctx.actor,
        Entry::new(Action::PatientUpdate, "patient", p.id).before(&before).after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Archives (or restores) a patient. Patients are never deleted.
#[tracing::instrument(skip_all, fields(patient_id = %id))]
pub async fn set_archived(ctx: &Ctx, id: Uuid, archived: bool) -> AppResult<Patient> {
    let mut tx = ctx.pool.begin().await?;
    let before = repo::find(&mut *tx, id).await?.ok_or_else(|| AppError::not_found("patient"))?;
    repo::set_archived(&mut *tx, id, archived).await?;
    let action = if archived { Action::PatientArchive } else { Action::PatientRestore };
    audit::record(&mut *tx, &ctx.actor, Entry::new(action, "patient", id)).await?;
    tx.commit().await?;
    Ok(Patient { archived, ..before })
}
