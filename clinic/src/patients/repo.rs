use sqlx::PgExecutor;
use uuid::Uuid;

use super::model::{Diabetes, Patient, PatientSummary, Sex};
use crate::error::AppResult;

pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Patient>> {
    Ok(sqlx::query_as!(
        Patient,
        r#"SELECT id, first_name, last_names, birth_date, sex AS "sex: Sex", phone, phone_alt, email, address,
                  emergency_contact, emergency_phone, diabetes AS "diabetes: Diabetes", vascular_disease,
                  anticoagulants, allergies, history_notes, curp, archived_at IS NOT NULL AS "archived!",
                  updated_at AS "updated_at?"
           FROM patients WHERE id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?)
}

pub async fn insert(db: impl PgExecutor<'_>, p: &Patient) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO patients (id, first_name, last_names, birth_date, sex, phone, phone_alt, email, address,
             emergency_contact, emergency_phone, diabetes, vascular_disease, anticoagulants, allergies, history_notes, curp)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        p.id,
        &p.first_name,
        &p.last_names,
        p.birth_date,
        p.sex as Option<Sex>,
        &p.phone,
        &p.phone_alt,
        &p.email,
        &p.address,
        &p.emergency_contact,
        &p.emergency_phone,
        p.diabetes as Diabetes,
        p.vascular_disease,
        p.anticoagulants,
        &p.allergies,
        &p.history_notes,
        p.curp.as_deref()
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Writes `p` over the stored record if it is still the version `p` was made on (any version when
/// `p` names none). Answers whether it wrote.
pub async fn update(db: impl PgExecutor<'_>, p: &Patient) -> AppResult<bool> {
    let done = sqlx::query!(
        "UPDATE patients SET first_name = $2, last_names = $3, birth_date = $4, sex = $5, phone = $6, phone_alt = $7,
             email = $8, address = $9, emergency_contact = $10, emergency_phone = $11, diabetes = $12,
             vascular_disease = $13, anticoagulants = $14, allergies = $15, history_notes = $16, curp = $18,
             updated_at = greatest(now(), updated_at + interval '1 microsecond')
         WHERE id = $1 AND ($17::timestamptz IS NULL OR updated_at = $17)",
        p.id,
        &p.first_name,
        &p.last_names,
        p.birth_date,
        p.sex as Option<Sex>,
        &p.phone,
        &p.phone_alt,
        &p.email,
        &p.address,
        &p.emergency_contact,
        &p.emergency_phone,
        p.diabetes as Diabetes,
        p.vascular_disease,
        p.anticoagulants,
        &p.allergies,
        &p.history_notes,
        p.updated_at,
        p.curp.as_deref()
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_archived(db: impl PgExecutor<'_>, id: Uuid, archived: bool) -> AppResult<()> {
    sqlx::query!(
        "UPDATE patients SET archived_at = CASE WHEN $2 THEN now() END, updated_at = now() WHERE id = $1",
        id,
        archived
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Search terms prepared in Rust: every match contains all `words` (folded, as `%word%`
/// patterns); with no words, `digits` match phones.
pub struct SearchTerms {
    pub words: Vec<String>,
    pub digits: String,
}

fn like(word: &str) -> String {
    format!("%{}%", word.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}

/// A search candidate: the summary plus the folded name it matched on, for ranking.
#[derive(sqlx::FromRow)]
pub struct Candidate {
    #[sqlx(flatten)]
    pub summary: PatientSummary,
    pub search_name: String,
}

/// Up to `limit` active patients whose name contains every word (or, with no words, whose phone
/// contains the digits), in no particular order: the trigram index finds them and the scan stops
/// at `limit`. Ordering thousands of matches of a common word would cost more than the search;
/// the caller ranks what comes back.
///
/// The search statements are not kept prepared (`persistent(false)`): PostgreSQL then plans each
/// run for the words typed, where a cached generic plan would be badly wrong for a common word or
/// for a rare one.
pub async fn candidates(db: impl PgExecutor<'_>, terms: &SearchTerms, limit: i64) -> AppResult<Vec<Candidate>> {
    let mut patterns: Vec<String> = terms.words.iter().map(|w| like(w)).collect();
    patterns.sort_by_key(|p| std::cmp::Reverse(p.len()));
    // The search's four statements stay runtime queries (static text, values bound): they opt out
    // of statement caching, which the macros' statements cannot (sqlx 0.9's `Map` has no
    // `persistent`). Their columns are the same as `possible_duplicates`, which is checked.
    let rows = match patterns.as_slice() {
        [] => {
            sqlx::query_as::<_, Candidate>(
                "SELECT id, btrim(first_name || ' ' || last_names) AS full_name, birth_date, phone,
                        (diabetes <> 'none' OR vascular_disease OR anticoagulants) AS at_risk, search_name
                 FROM patients WHERE archived_at IS NULL AND search_phone LIKE $1 LIMIT $2",
            )
            .bind(like(&terms.digits))
            .bind(limit)
            .persistent(false)
            .fetch_all(db)
            .await?
        }
        // The two longest words go to the index as separate conditions so it intersects them.
        [first, rest @ ..] => {
            sqlx::query_as::<_, Candidate>(
                "SELECT id, btrim(first_name || ' ' || last_names) AS full_name, birth_date, phone,
                        (diabetes <> 'none' OR vascular_disease OR anticoagulants) AS at_risk, search_name
                 FROM patients
                 WHERE archived_at IS NULL AND search_name LIKE $1 AND search_name LIKE $2
                   AND search_name LIKE ALL ($3)
                 LIMIT $4",
            )
            .bind(first)
            .bind(rest.first().unwrap_or(first))
            .bind(rest.get(1..).unwrap_or_default())
            .bind(limit)
            .persistent(false)
            .fetch_all(db)
            .await?
        }
    };
    Ok(rows)
}

/// The known name word closest to a (possibly mistyped) word, if one is close enough.
pub async fn nearest_word(db: impl PgExecutor<'_>, word: &str) -> AppResult<Option<String>> {
    Ok(sqlx::query_scalar("SELECT word FROM patient_name_words WHERE word % $1 ORDER BY word <-> $1, word LIMIT 1")
        .bind(word)
        .persistent(false)
        .fetch_optional(db)
        .await?)
}

/// True when some patient's name has a word containing this one (a prefix or part being typed).
pub async fn word_exists(db: impl PgExecutor<'_>, word: &str) -> AppResult<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM patient_name_words WHERE word LIKE $1)")
        .bind(like(word))
        .persistent(false)
        .fetch_one(db)
        .await?)
}

/// Likely duplicates of a new patient: same name and birth date, or same phone.
pub async fn possible_duplicates(
    db: impl PgExecutor<'_>,
    p: &Patient,
    phone_key: &str,
) -> AppResult<Vec<PatientSummary>> {
    Ok(sqlx::query_as!(
        PatientSummary,
        r#"SELECT id, btrim(first_name || ' ' || last_names) AS "full_name!", birth_date, phone,
                (diabetes <> 'none' OR vascular_disease OR anticoagulants) AS "at_risk!"
         FROM patients
         WHERE archived_at IS NULL AND id <> $1
           AND ((search_name = lower(f_unaccent($2 || ' ' || $3)) AND birth_date = $4)
                OR (length($5) >= 7 AND right(regexp_replace(phone, '[^0-9]', '', 'g'), 10) = $5))
         ORDER BY search_name COLLATE "C", id LIMIT 10"#,
        p.id,
        &p.first_name,
        &p.last_names,
        p.birth_date,
        phone_key
    )
    .fetch_all(db)
    .await?)
}

crate::db::stored_as_asked!(Patient, find);
