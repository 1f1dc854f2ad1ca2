use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgExecutor;
use uuid::Uuid;

use super::appointments::Row as AppointmentRow;
use super::patients::Row;
use crate::appointments::model::Status;
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
    let existing = sqlx::query_scalar!(
        r#"SELECT p.id AS "id!" FROM unnest($1::uuid[]) AS u(id) JOIN patients p ON p.id = u.id"#,
        ids
    )
    .fetch_all(pool)
    .await?;
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
           JOIN (SELECT DISTINCT n FROM unnest($1::text[]) AS u(n)) u ON u.n = search_name
           WHERE archived_at IS NULL AND birth_date IS NOT NULL"#,
        &folded
    )
    .fetch_all(pool)
    .await?;
    let long: Vec<String> = phones.iter().filter(|p| p.len() >= 7).cloned().collect();
    let known_phones = sqlx::query_scalar!(
        r#"SELECT DISTINCT right(regexp_replace(phone, '[^0-9]', '', 'g'), 10) AS "key!" FROM patients
           JOIN (SELECT DISTINCT k FROM unnest($1::text[]) AS u(k)) u ON u.k = right(regexp_replace(phone, '[^0-9]', '', 'g'), 10)
           WHERE archived_at IS NULL"#,
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

/// The patients an appointments file names.
pub struct PatientMatch {
    /// Patients found by id (an old-system key's) or by name, and whether each is archived.
    pub ids: HashMap<Uuid, bool>,
    /// Patients by (the name as the file wrote it, birth date): their ids.
    pub names: HashMap<(String, NaiveDate), Vec<Uuid>>,
}

/// The patients with these ids, and those whose name folds as one of `names` does (accents, case
/// and spacing aside), by name and birth date.
pub async fn find_patients(pool: &sqlx::PgPool, ids: &[Uuid], names: &[String]) -> AppResult<PatientMatch> {
    let found = sqlx::query!(
        r#"SELECT p.id AS "id!", p.archived_at IS NOT NULL AS "archived!"
           FROM (SELECT DISTINCT id FROM unnest($1::uuid[]) AS u(id)) u JOIN patients p ON p.id = u.id"#,
        ids
    )
    .fetch_all(pool)
    .await?;
    let named = sqlx::query!(
        r#"SELECT u.name AS "name!", p.birth_date AS "birth!", p.id AS "id!", p.archived_at IS NOT NULL AS "archived!"
           FROM unnest($1::text[]) AS u(name)
           JOIN patients p ON regexp_replace(btrim(p.search_name), '\s+', ' ', 'g') = lower(f_unaccent(u.name))
           WHERE p.birth_date IS NOT NULL"#,
        names
    )
    .fetch_all(pool)
    .await?;
    let mut ids: HashMap<Uuid, bool> = found.into_iter().map(|r| (r.id, r.archived)).collect();
    let mut by_name: HashMap<(String, NaiveDate), Vec<Uuid>> = HashMap::new();
    for r in named {
        by_name.entry((r.name, r.birth)).or_default().push(r.id);
        ids.insert(r.id, r.archived);
    }
    Ok(PatientMatch { ids, names: by_name })
}

/// The appointments among `ids` that are there already. (A join with the array, not `= ANY`: a
/// scan that compares each stored row with a large array's every element took minutes.)
pub async fn existing_appointments(pool: &sqlx::PgPool, ids: &[Uuid]) -> AppResult<HashSet<Uuid>> {
    let mut existing = HashSet::new();
    for chunk in ids.chunks(100_000) {
        let found = sqlx::query_scalar!(
            r#"SELECT a.id AS "id!" FROM unnest($1::uuid[]) AS u(id) JOIN appointments a ON a.id = u.id"#,
            chunk
        )
        .fetch_all(pool)
        .await?;
        existing.extend(found);
    }
    Ok(existing)
}

/// The appointments of these podiatrists that overlap [from, to): podiatrist, start, end, patient
/// and status, by podiatrist and start.
pub async fn spans(
    pool: &sqlx::PgPool,
    podiatrists: &[Uuid],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<(Uuid, DateTime<Utc>, DateTime<Utc>, Uuid, Status)>> {
    // An appointment lasts 8 hours at most: one that overlaps starts within [from - 8 h, to).
    let rows = sqlx::query!(
        r#"SELECT podiatrist_id, lower(during) AS "start!", upper(during) AS "end!", patient_id,
                  status AS "status: Status"
           FROM appointments
           WHERE podiatrist_id = ANY($1)
             AND lower(during) >= $2::timestamptz - interval '8 hours' AND lower(during) < $3 AND upper(during) > $2
           ORDER BY podiatrist_id, lower(during)"#,
        podiatrists,
        from,
        to
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.podiatrist_id, r.start, r.end, r.patient_id, r.status)).collect())
}

/// Writes a batch of imported appointments in one statement. A row whose id is there already (a
/// retried batch) is skipped; one the exclusion constraint refuses (a desk booked its podiatrist
/// at that time meanwhile) is skipped and returned.
pub async fn insert_appointments(
    db: &mut sqlx::PgConnection,
    rows: &[&AppointmentRow],
    user: Uuid,
) -> AppResult<crate::import::batch::Written> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let patients: Vec<Uuid> = rows.iter().map(|r| r.patient_id).collect();
    let podiatrists: Vec<Uuid> = rows.iter().map(|r| r.podiatrist_id).collect();
    let starts: Vec<DateTime<Utc>> = rows.iter().map(|r| r.starts_at).collect();
    let ends: Vec<DateTime<Utc>> = rows.iter().map(|r| r.ends_at).collect();
    let reasons: Vec<String> = rows.iter().map(|r| r.reason.clone()).collect();
    let statuses: Vec<String> = rows.iter().map(|r| r.status.as_str().to_string()).collect();
    let outside: Vec<bool> = rows.iter().map(|r| r.outside_schedule).collect();
    let written = sqlx::query_scalar!(
        "INSERT INTO appointments (id, patient_id, podiatrist_id, during, reason, status, cancel_reason, cancelled_at,
             outside_schedule, created_by)
         SELECT id, patient, podiatrist, tstzrange(s, e), reason, status,
                CASE WHEN status = 'cancelled' THEN $9 END, CASE WHEN status = 'cancelled' THEN s END, outside, $10
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::text[],
                     $8::bool[]) AS u(id, patient, podiatrist, s, e, reason, status, outside)
         ORDER BY s
         ON CONFLICT DO NOTHING
         RETURNING id",
        &ids,
        &patients,
        &podiatrists,
        &starts,
        &ends,
        &reasons,
        &statuses,
        &outside,
        crate::import::appointments::CANCEL_REASON,
        user
    )
    .fetch_all(&mut *db)
    .await?;
    let written_ids: HashSet<Uuid> = written.iter().copied().collect();
    let missing: Vec<Uuid> = ids.iter().copied().filter(|id| !written_ids.contains(id)).collect();
    let there: HashSet<Uuid> = if missing.is_empty() {
        HashSet::new()
    } else {
        sqlx::query_scalar!("SELECT id FROM appointments WHERE id = ANY($1)", &missing)
            .fetch_all(&mut *db)
            .await?
            .into_iter()
            .collect()
    };
    let refused =
        rows.iter().filter(|r| !written_ids.contains(&r.id) && !there.contains(&r.id)).map(|r| r.number).collect();
    Ok(crate::import::batch::Written { rows: written.len() as u64, refused })
}
