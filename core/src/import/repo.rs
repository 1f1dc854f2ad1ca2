use std::collections::HashSet;

use chrono::NaiveDate;
use sqlx::PgExecutor;
use uuid::Uuid;

use super::patients::Row;
use crate::error::AppResult;
use crate::patients::model::{Diabetes, Sex};

/// What the clinic's patients say of a file's rows.
pub struct Lookup {
    /// Rows' ids already in the database (imported before).
    pub existing: HashSet<Uuid>,
    /// Each row's name as the database folds it (`search_name`), in the rows' order.
    pub folded: Vec<String>,
    /// (folded name, birth date) of patients with one of those names.
    pub names: HashSet<(String, NaiveDate)>,
    /// Phone keys (last ten digits) of patients with one of those phones.
    pub phones: HashSet<String>,
}

pub async fn lookup(
    pool: &sqlx::PgPool,
    ids: &[Uuid],
    firsts: &[String],
    lasts: &[String],
    phones: &[String],
) -> AppResult<Lookup> {
    let existing = sqlx::query_scalar!("SELECT id FROM patients WHERE id = ANY($1)", ids).fetch_all(pool).await?;
    let folded = sqlx::query_scalar!(
        r#"SELECT lower(f_unaccent(f || ' ' || l)) AS "folded!"
           FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(f, l, i) ORDER BY i"#,
        firsts,
        lasts
    )
    .fetch_all(pool)
    .await?;
    let names = sqlx::query!(
        r#"SELECT search_name AS "name!", birth_date AS "birth!" FROM patients
           WHERE archived_at IS NULL AND birth_date IS NOT NULL AND search_name = ANY($1)"#,
        &folded
    )
    .fetch_all(pool)
    .await?;
    let long: Vec<String> = phones.iter().filter(|p| p.len() >= 7).cloned().collect();
    let known_phones = sqlx::query_scalar!(
        r#"SELECT DISTINCT right(regexp_replace(phone, '[^0-9]', '', 'g'), 10) AS "key!" FROM patients
           WHERE archived_at IS NULL AND right(regexp_replace(phone, '[^0-9]', '', 'g'), 10) = ANY($1)"#,
        &long
    )
    .fetch_all(pool)
    .await?;
    Ok(Lookup {
        existing: existing.into_iter().collect(),
        folded,
        names: names.into_iter().map(|r| (r.name, r.birth)).collect(),
        phones: known_phones.into_iter().collect(),
    })
}

fn sex_text(s: Sex) -> &'static str {
    match s {
        Sex::Female => "female",
        Sex::Male => "male",
        Sex::Other => "other",
    }
}

fn diabetes_text(d: Diabetes) -> &'static str {
    match d {
        Diabetes::None => "none",
        Diabetes::Type1 => "type1",
        Diabetes::Type2 => "type2",
        Diabetes::Gestational => "gestational",
        Diabetes::Other => "other",
    }
}

/// Writes a batch of imported patients in one statement; a row whose id is there already (a
/// retried batch) is skipped. Returns how many were written.
pub async fn insert_patients(db: impl PgExecutor<'_>, rows: &[&Row]) -> AppResult<u64> {
    let p = |f: fn(&Row) -> String| rows.iter().map(|r| f(r)).collect::<Vec<String>>();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.patient.id).collect();
    let births: Vec<Option<NaiveDate>> = rows.iter().map(|r| r.patient.birth_date).collect();
    let sexes: Vec<Option<String>> = rows.iter().map(|r| r.patient.sex.map(|s| sex_text(s).to_string())).collect();
    let vascular: Vec<bool> = rows.iter().map(|r| r.patient.vascular_disease).collect();
    let anticoagulants: Vec<bool> = rows.iter().map(|r| r.patient.anticoagulants).collect();
    let done = sqlx::query!(
        "INSERT INTO patients (id, first_name, last_names, birth_date, sex, phone, phone_alt, email, address,
             emergency_contact, emergency_phone, diabetes, vascular_disease, anticoagulants, allergies, history_notes)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::date[], $5::text[], $6::text[], $7::text[],
                              $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bool[], $14::bool[],
                              $15::text[], $16::text[])
         ON CONFLICT (id) DO NOTHING",
        &ids,
        &p(|r| r.patient.first_name.clone()),
        &p(|r| r.patient.last_names.clone()),
        &births as &[Option<NaiveDate>],
        &sexes as &[Option<String>],
        &p(|r| r.patient.phone.clone()),
        &p(|r| r.patient.phone_alt.clone()),
        &p(|r| r.patient.email.clone()),
        &p(|r| r.patient.address.clone()),
        &p(|r| r.patient.emergency_contact.clone()),
        &p(|r| r.patient.emergency_phone.clone()),
        &p(|r| diabetes_text(r.patient.diabetes).to_string()),
        &vascular,
        &anticoagulants,
        &p(|r| r.patient.allergies.clone()),
        &p(|r| r.patient.history_notes.clone())
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
