use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::model::{
    Addendum, Diagnosis, Findings, Procedure, Referral, ReferralInput, SummaryEntry, Visit, VisitInput, VisitSummary,
    Vitals,
};
use crate::error::AppResult;

pub async fn id_for_appointment(db: impl PgExecutor<'_>, appointment: Uuid) -> AppResult<Option<Uuid>> {
    Ok(sqlx::query_scalar!("SELECT id FROM visits WHERE appointment_id = $1", appointment).fetch_optional(db).await?)
}

/// Starts the visit of an appointment; a visit another desk started first is kept.
pub async fn insert(db: impl PgExecutor<'_>, id: Uuid, appointment: Uuid, author: Uuid) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO visits (id, appointment_id, patient_id, podiatrist_id, author_id, findings)
         SELECT $1, a.id, a.patient_id, a.podiatrist_id, $3, $4 FROM appointments a WHERE a.id = $2
         ON CONFLICT (appointment_id) DO NOTHING",
        id,
        appointment,
        author,
        Json(Findings::default()) as _
    )
    .execute(db)
    .await?;
    Ok(())
}

struct Row {
    id: Uuid,
    appointment_id: Uuid,
    patient_id: Uuid,
    patient_name: String,
    podiatrist_id: Uuid,
    starts_at: DateTime<Utc>,
    author_name: String,
    findings: Json<Findings>,
    risk_category: Option<i16>,
    notes: String,
    vitals: Json<Vitals>,
    diagnoses: Json<Vec<Diagnosis>>,
    prognosis: String,
    plan: String,
    signed_at: Option<DateTime<Utc>>,
    signed_by_name: Option<String>,
}

/// Holds a visit's row until the transaction ends (lock order: step 5, before its appointment).
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> AppResult<()> {
    sqlx::query!("SELECT id FROM visits WHERE id = $1 FOR NO KEY UPDATE", id).fetch_optional(conn).await?;
    Ok(())
}

/// The whole record; `lock` holds the visit row until the transaction ends.
pub async fn load(conn: &mut PgConnection, id: Uuid, lock_it: bool) -> AppResult<Option<Visit>> {
    if lock_it {
        lock(&mut *conn, id).await?;
    }
    let row = sqlx::query_as!(
        Row,
        r#"SELECT v.id, v.appointment_id, v.patient_id, a.patient_name, v.podiatrist_id,
                  lower(a.during) AS "starts_at!", au.display_name AS author_name,
                  v.findings AS "findings: Json<Findings>", v.risk_category, v.notes,
                  v.vitals AS "vitals: Json<Vitals>", v.diagnoses AS "diagnoses: Json<Vec<Diagnosis>>",
                  v.prognosis, v.plan, v.signed_at,
                  su.display_name AS "signed_by_name?"
           FROM visits v
           JOIN appointments a ON a.id = v.appointment_id
           JOIN users au ON au.id = v.author_id
           LEFT JOIN users su ON su.id = v.signed_by
           WHERE v.id = $1"#,
        id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let procedures = sqlx::query_as!(
        Procedure,
        "SELECT treatment_id, quantity FROM visit_procedures WHERE visit_id = $1 ORDER BY treatment_id",
        id
    )
    .fetch_all(&mut *conn)
    .await?;
    let addenda = sqlx::query_as!(
        Addendum,
        "SELECT x.id, u.display_name AS author_name, x.text, x.created_at
         FROM visit_addenda x JOIN users u ON u.id = x.author_id
         WHERE x.visit_id = $1 ORDER BY x.created_at, x.id",
        id
    )
    .fetch_all(&mut *conn)
    .await?;
    let referrals = referrals_of(&mut *conn, id).await?;
    Ok(Some(Visit {
        id: r.id,
        appointment_id: r.appointment_id,
        patient_id: r.patient_id,
        patient_name: r.patient_name,
        podiatrist_id: r.podiatrist_id,
        starts_at: r.starts_at,
        author_name: r.author_name,
        findings: r.findings.0,
        risk_category: r.risk_category,
        notes: r.notes,
        procedures,
        vitals: r.vitals.0,
        diagnoses: r.diagnoses.0,
        prognosis: r.prognosis,
        plan: r.plan,
        signed_at: r.signed_at,
        signed_by_name: r.signed_by_name,
        addenda,
        referrals,
    }))
}

/// Writes the draft: findings, risk, the note's sections and the procedures (replaced as a whole).
pub async fn save(conn: &mut PgConnection, v: &VisitInput) -> AppResult<()> {
    sqlx::query!(
        "UPDATE visits SET findings = $2, risk_category = $3, notes = $4, vitals = $5, diagnoses = $6,
                           prognosis = $7, plan = $8, updated_at = now()
         WHERE id = $1",
        v.id,
        Json(&v.findings) as _,
        v.risk_category,
        &v.notes,
        Json(&v.vitals) as _,
        Json(&v.diagnoses) as _,
        &v.prognosis,
        &v.plan
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!("DELETE FROM visit_procedures WHERE visit_id = $1", v.id).execute(&mut *conn).await?;
    let (treatments, quantities): (Vec<Uuid>, Vec<i32>) =
        v.procedures.iter().map(|p| (p.treatment_id, p.quantity)).unzip();
    sqlx::query!(
        "INSERT INTO visit_procedures (visit_id, treatment_id, quantity)
         SELECT $1, * FROM unnest($2::uuid[], $3::int[])",
        v.id,
        &treatments,
        &quantities
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn sign(db: impl PgExecutor<'_>, id: Uuid, by: Uuid) -> AppResult<()> {
    sqlx::query!("UPDATE visits SET signed_at = now(), signed_by = $2, updated_at = now() WHERE id = $1", id, by)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn insert_addendum(db: impl PgExecutor<'_>, a: &NewAddendum) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO visit_addenda (id, visit_id, author_id, text) VALUES ($1, $2, $3, $4)",
        a.id,
        a.visit_id,
        a.author_id,
        &a.text
    )
    .execute(db)
    .await?;
    Ok(())
}

/// An addendum as written: which note, by whom, what.
#[derive(Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct NewAddendum {
    pub id: Uuid,
    pub visit_id: Uuid,
    pub author_id: Uuid,
    pub text: String,
}

crate::db::stored_as_asked!(NewAddendum, addendum);

/// The products a visit's procedures use, with the quantities, by product id.
pub async fn consumables_used(db: impl PgExecutor<'_>, visit: Uuid) -> AppResult<Vec<(Uuid, i64)>> {
    let used = sqlx::query!(
        r#"SELECT tc.product_id, sum(tc.quantity * vp.quantity)::bigint AS "quantity!" FROM visit_procedures vp
           JOIN treatment_consumables tc ON tc.treatment_id = vp.treatment_id
           WHERE vp.visit_id = $1 GROUP BY tc.product_id ORDER BY tc.product_id"#,
        visit
    )
    .fetch_all(db)
    .await?;
    Ok(used.into_iter().map(|u| (u.product_id, u.quantity)).collect())
}

/// Records what a signed visit should have taken from stock and could not.
pub async fn insert_shortfall(
    db: impl PgExecutor<'_>,
    visit: Uuid,
    product: Uuid,
    missing: i32,
    by: Uuid,
) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO stock_shortfalls (id, visit_id, product_id, missing, created_by) VALUES ($1, $2, $3, $4, $5)",
        Uuid::now_v7(),
        visit,
        product,
        missing,
        by
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn for_patient(db: impl PgExecutor<'_>, patient: Uuid) -> AppResult<Vec<VisitSummary>> {
    Ok(sqlx::query_as!(
        VisitSummary,
        r#"SELECT v.id, v.appointment_id, lower(a.during) AS "starts_at!", p.name AS podiatrist_name, v.risk_category,
                v.signed_at
         FROM visits v JOIN appointments a ON a.id = v.appointment_id JOIN podiatrists p ON p.id = v.podiatrist_id
         WHERE v.patient_id = $1 ORDER BY lower(a.during) DESC"#,
        patient
    )
    .fetch_all(db)
    .await?)
}

pub async fn is_signed(db: impl PgExecutor<'_>, visit: Uuid) -> AppResult<bool> {
    Ok(sqlx::query_scalar!(r#"SELECT signed_at IS NOT NULL AS "signed!" FROM visits WHERE id = $1"#, visit)
        .fetch_one(db)
        .await?)
}

/// The patient a visit is of, if the visit exists.
pub async fn patient_of(db: impl PgExecutor<'_>, visit: Uuid) -> AppResult<Option<Uuid>> {
    Ok(sqlx::query_scalar!("SELECT patient_id FROM visits WHERE id = $1", visit).fetch_optional(db).await?)
}

/// An addendum as it was written.
pub async fn addendum(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<NewAddendum>> {
    Ok(sqlx::query_as!(NewAddendum, "SELECT id, visit_id, author_id, text FROM visit_addenda WHERE id = $1", id)
        .fetch_optional(db)
        .await?)
}

/// A visit's referrals, oldest first.
pub async fn referrals_of(db: impl PgExecutor<'_>, visit: Uuid) -> AppResult<Vec<Referral>> {
    Ok(sqlx::query_as!(
        Referral,
        "SELECT r.id, r.visit_id, r.receiving, r.reason, r.impression, r.treatment, u.display_name AS author_name,
                r.created_at
         FROM referrals r JOIN users u ON u.id = r.created_by
         WHERE r.visit_id = $1 ORDER BY r.created_at, r.id",
        visit
    )
    .fetch_all(db)
    .await?)
}

/// One referral.
pub async fn referral(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Referral>> {
    Ok(sqlx::query_as!(
        Referral,
        "SELECT r.id, r.visit_id, r.receiving, r.reason, r.impression, r.treatment, u.display_name AS author_name,
                r.created_at
         FROM referrals r JOIN users u ON u.id = r.created_by WHERE r.id = $1",
        id
    )
    .fetch_optional(db)
    .await?)
}

pub async fn insert_referral(db: impl PgExecutor<'_>, r: &ReferralInput, by: Uuid) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO referrals (id, visit_id, receiving, reason, impression, treatment, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        r.id,
        r.visit_id,
        &r.receiving,
        &r.reason,
        &r.impression,
        &r.treatment,
        by
    )
    .execute(db)
    .await?;
    Ok(())
}

impl crate::db::ClientCreate for ReferralInput {
    type Stored = Referral;
    fn id(&self) -> Uuid {
        self.id
    }
    async fn stored(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<Referral>> {
        referral(conn, id).await
    }
    fn same_as(&self, stored: &Referral) -> bool {
        (self.visit_id, &self.receiving, &self.reason, &self.impression, &self.treatment)
            == (stored.visit_id, &stored.receiving, &stored.reason, &stored.impression, &stored.treatment)
    }
}

/// A patient's signed notes as the resumen clínico lists them, newest first.
pub async fn summary_of(db: impl PgExecutor<'_>, patient: Uuid) -> AppResult<Vec<SummaryEntry>> {
    let rows = sqlx::query!(
        r#"SELECT lower(a.during) AS "starts_at!", p.name AS podiatrist_name, v.risk_category,
                  v.diagnoses AS "diagnoses: Json<Vec<Diagnosis>>", v.plan
           FROM visits v JOIN appointments a ON a.id = v.appointment_id JOIN podiatrists p ON p.id = v.podiatrist_id
           WHERE v.patient_id = $1 AND v.signed_at IS NOT NULL ORDER BY lower(a.during) DESC"#,
        patient
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| SummaryEntry {
            starts_at: r.starts_at,
            podiatrist_name: r.podiatrist_name,
            risk_category: r.risk_category,
            diagnoses: r.diagnoses.0,
            plan: r.plan,
        })
        .collect())
}

/// The SHA-256 of a signed note's content, as the database computes it from the stored row
/// (`visit_content_sha256`, migration 22): recorded when the note is signed, printed with it.
pub async fn content_digest(db: impl PgExecutor<'_>, visit: Uuid) -> AppResult<String> {
    Ok(sqlx::query_scalar!(r#"SELECT visit_content_sha256($1) AS "digest!""#, visit).fetch_one(db).await?)
}
