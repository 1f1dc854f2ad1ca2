use sqlx::PgExecutor;
use uuid::Uuid;

use super::model::{Patient, PatientSummary};
use crate::error::AppResult;

pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Patient>> {
    Ok(sqlx::query_as(
        "SELECT id, first_name, last_names, birth_date, sex, phone, phone_alt, email, address, emergency_contact,
                emergency_phone, diabetes, vascular_disease, anticoagulants, allergies, history_notes,
                archived_at IS NOT NULL AS archived
         FROM patients WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await?)
}

pub async fn insert(db: impl PgExecutor<'_>, p: &Patient) -> AppResult<bool> {
    let done = sqlx::query(
        "INSERT INTO patients (id, first_name, last_names, birth_date, sex, phone, phone_alt, email, address,
             emergency_contact, emergency_phone, diabetes, vascular_disease, anticoagulants, allergies, history_notes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(p.id)
    .bind(&p.first_name)
    .bind(&p.last_names)
    .bind(p.birth_date)
    .bind(&p.sex)
    .bind(&p.phone)
    .bind(&p.phone_alt)
    .bind(&p.email)
    .bind(&p.address)
    .bind(&p.emergency_contact)
    .bind(&p.emergency_phone)
    .bind(&p.diabetes)
    .bind(p.vascular_disease)
    .bind(p.anticoagulants)
    .bind(&p.allergies)
    .bind(&p.history_notes)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn update(db: impl PgExecutor<'_>, p: &Patient) -> AppResult<()> {
    sqlx::query(
        "UPDATE patients SET first_name = $2, last_names = $3, birth_date = $4, sex = $5, phone = $6, phone_alt = $7,
             email = $8, address = $9, emergency_contact = $10, emergency_phone = $11, diabetes = $12,
             vascular_disease = $13, anticoagulants = $14, allergies = $15, history_notes = $16, updated_at = now()
         WHERE id = $1",
    )
    .bind(p.id)
    .bind(&p.first_name)
    .bind(&p.last_names)
    .bind(p.birth_date)
    .bind(&p.sex)
    .bind(&p.phone)
    .bind(&p.phone_alt)
    .bind(&p.email)
    .bind(&p.address)
    .bind(&p.emergency_contact)
    .bind(&p.emergency_phone)
    .bind(&p.diabetes)
    .bind(p.vascular_disease)
    .bind(p.anticoagulants)
    .bind(&p.allergies)
    .bind(&p.history_notes)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_archived(db: impl PgExecutor<'_>, id: Uuid, archived: bool) -> AppResult<()> {
    sqlx::query("UPDATE patients SET archived_at = CASE WHEN $2 THEN now() END, updated_at = now() WHERE id = $1")
        .bind(id)
        .bind(archived)
        .execute(db)
        .await?;
    Ok(())
}

/// Search terms prepared in Rust: `all` are `%token%` patterns every match must contain, `longest`
/// is the one the trigram index narrows on, `text` feeds word similarity (typos), `digits` phones.
pub struct SearchTerms {
    pub text: String,
    pub longest: String,
    pub all: Vec<String>,
    pub digits: String,
}

/// Active patients matching the terms, best first: every token found, then by word similarity.
pub async fn search(db: impl PgExecutor<'_>, terms: &SearchTerms, limit: i64) -> AppResult<Vec<PatientSummary>> {
    Ok(sqlx::query_as(
        "SELECT id, btrim(first_name || ' ' || last_names) AS full_name, birth_date, phone,
                (diabetes <> 'none' OR vascular_disease OR anticoagulants) AS at_risk
         FROM patients
         WHERE archived_at IS NULL
           AND ((search_name LIKE $2 AND search_name LIKE ALL ($3))
                OR $1 <% search_name
                OR ($4 <> '' AND search_phone LIKE '%' || $4 || '%'))
         ORDER BY (search_name LIKE ALL ($3)) DESC, word_similarity($1, search_name) DESC, search_name
         LIMIT $5",
    )
    .bind(&terms.text)
    .bind(&terms.longest)
    .bind(&terms.all)
    .bind(&terms.digits)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// Likely duplicates of a new patient: same name and birth date, or same phone.
pub async fn possible_duplicates(
    db: impl PgExecutor<'_>,
    p: &Patient,
    phone_key: &str,
) -> AppResult<Vec<PatientSummary>> {
    Ok(sqlx::query_as(
        "SELECT id, btrim(first_name || ' ' || last_names) AS full_name, birth_date, phone,
                (diabetes <> 'none' OR vascular_disease OR anticoagulants) AS at_risk
         FROM patients
         WHERE archived_at IS NULL AND id <> $1
           AND ((search_name = lower(f_unaccent($2 || ' ' || $3)) AND birth_date = $4)
                OR (length($5) >= 7 AND right(regexp_replace(phone, '[^0-9]', '', 'g'), 10) = $5))
         ORDER BY search_name LIMIT 10",
    )
    .bind(p.id)
    .bind(&p.first_name)
    .bind(&p.last_names)
    .bind(p.birth_date)
    .bind(phone_key)
    .fetch_all(db)
    .await?)
}
