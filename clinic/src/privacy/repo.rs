use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::model::{
    ArcoAnswer, ArcoInput, ArcoKind, ArcoOutcome, ArcoRequest, Consent, ConsentInput, Notice, NoticeInput, Purposes,
};
use crate::error::AppResult;

/// The notice as last published.
pub async fn current_notice(db: impl PgExecutor<'_>) -> AppResult<Option<Notice>> {
    Ok(sqlx::query_as!(
        Notice,
        r#"SELECT n.id, n.version, n.simplified, n.integral, u.display_name AS published_by_name, n.published_at
           FROM privacy_notices n JOIN users u ON u.id = n.published_by
           ORDER BY n.version DESC LIMIT 1"#
    )
    .fetch_optional(db)
    .await?)
}

pub async fn notice(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Notice>> {
    Ok(sqlx::query_as!(
        Notice,
        r#"SELECT n.id, n.version, n.simplified, n.integral, u.display_name AS published_by_name, n.published_at
           FROM privacy_notices n JOIN users u ON u.id = n.published_by WHERE n.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?)
}

/// Publishes the next version. A named lock (lock order: step 2) makes two admins publishing at
/// once take turns, so they never both make version N. (Not a table lock: the desks' login may
/// not take one.)
pub async fn insert_notice(conn: &mut PgConnection, n: &NoticeInput, by: Uuid) -> AppResult<()> {
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtext('podoclinic.privacy_notices'))").fetch_one(&mut *conn).await?;
    sqlx::query!(
        "INSERT INTO privacy_notices (id, version, simplified, integral, published_by)
         VALUES ($1, (SELECT coalesce(max(version), 0) + 1 FROM privacy_notices), $2, $3, $4)",
        n.id,
        &n.simplified,
        &n.integral,
        by
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

struct ConsentRow {
    patient_id: Uuid,
    notice_version: Option<i32>,
    health_data: Option<bool>,
    signed: bool,
    teaching_photos: bool,
    promotions: bool,
    reminders: bool,
    recorded_by_name: Option<String>,
    recorded_at: DateTime<Utc>,
}

impl From<ConsentRow> for Consent {
    fn from(r: ConsentRow) -> Self {
        Consent {
            patient_id: r.patient_id,
            notice_version: r.notice_version,
            health_data: r.health_data,
            signed: r.signed,
            purposes: Purposes { teaching_photos: r.teaching_photos, promotions: r.promotions, reminders: r.reminders },
            recorded_by_name: r.recorded_by_name,
            recorded_at: r.recorded_at,
        }
    }
}

/// The patient's answers as last recorded.
pub async fn consent(db: impl PgExecutor<'_>, patient: Uuid) -> AppResult<Option<Consent>> {
    latest_consent(db, Some(patient), None).await
}

/// One recording of answers, by its id.
pub async fn consent_by_id(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Consent>> {
    latest_consent(db, None, Some(id)).await
}

/// The latest recording of answers of a patient, or of one id: one query for both.
async fn latest_consent(
    db: impl PgExecutor<'_>,
    patient: Option<Uuid>,
    id: Option<Uuid>,
) -> AppResult<Option<Consent>> {
    let row = sqlx::query_as!(
        ConsentRow,
        r#"SELECT c.patient_id, n.version AS "notice_version?", c.health_data,
                  c.signature IS NOT NULL AS "signed!", c.teaching_photos, c.promotions,
                  c.reminders, u.display_name AS "recorded_by_name?", c.recorded_at
           FROM privacy_consents c
           LEFT JOIN privacy_notices n ON n.id = c.notice_id
           LEFT JOIN users u ON u.id = c.recorded_by
           WHERE ($1::uuid IS NULL OR c.patient_id = $1) AND ($2::uuid IS NULL OR c.id = $2)
           ORDER BY c.recorded_at DESC, c.id DESC LIMIT 1"#,
        patient,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(Consent::from))
}

/// The answer on health data a recording carries: on which notice, yes or no, and the patient's
/// signature under it (as stored: the pad's strokes).
pub struct HealthAnswer {
    pub notice: Uuid,
    pub health_data: bool,
    pub signature: Option<serde_json::Value>,
}

/// The patient's last recording's answer on health data (None when it has none), to carry it
/// forward with new choices: its notice, the answer and its signature.
pub async fn health_answer(db: impl PgExecutor<'_>, patient: Uuid) -> AppResult<Option<HealthAnswer>> {
    let last = sqlx::query!(
        "SELECT notice_id, health_data, signature FROM privacy_consents WHERE patient_id = $1
         ORDER BY recorded_at DESC, id DESC LIMIT 1",
        patient
    )
    .fetch_optional(db)
    .await?;
    Ok(last
        .and_then(|r| Some(HealthAnswer { notice: r.notice_id?, health_data: r.health_data?, signature: r.signature })))
}

/// Records answers: on a notice (express consent asked) or, with `health` None, only choices.
pub async fn insert_consent(
    db: impl PgExecutor<'_>,
    id: Uuid,
    patient: Uuid,
    health: Option<HealthAnswer>,
    purposes: Purposes,
    by: Uuid,
) -> AppResult<()> {
    let (notice, health_data, signature) = match health {
        Some(h) => (Some(h.notice), Some(h.health_data), h.signature),
        None => (None, None, None),
    };
    sqlx::query!(
        "INSERT INTO privacy_consents (id, patient_id, notice_id, health_data, signature, teaching_photos, promotions,
                                       reminders, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        id,
        patient,
        notice,
        health_data,
        signature,
        purposes.teaching_photos,
        purposes.promotions,
        purposes.reminders,
        by
    )
    .execute(db)
    .await?;
    Ok(())
}

struct RequestRow {
    id: Uuid,
    patient_id: Uuid,
    patient_name: String,
    kind: ArcoKind,
    requester: String,
    details: String,
    received_on: NaiveDate,
    due_on: NaiveDate,
    outcome: Option<ArcoOutcome>,
    answer: String,
    answered_on: Option<NaiveDate>,
    answered_by_name: Option<String>,
    created_by_name: String,
    blocked: bool,
    retention_ends: Option<DateTime<Utc>>,
    purged_at: Option<DateTime<Utc>>,
}

impl From<RequestRow> for ArcoRequest {
    fn from(r: RequestRow) -> Self {
        ArcoRequest {
            id: r.id,
            patient_id: r.patient_id,
            patient_name: r.patient_name,
            kind: r.kind,
            requester: r.requester,
            details: r.details,
            received_on: r.received_on,
            due_on: r.due_on,
            outcome: r.outcome,
            answer: r.answer,
            answered_on: r.answered_on,
            answered_by_name: r.answered_by_name,
            created_by_name: r.created_by_name,
            blocked: r.blocked,
            retention_ends: r.retention_ends,
            purged_at: r.purged_at,
        }
    }
}

/// The register: open requests first (soonest due), then the answered ones, newest first.
pub async fn requests(db: impl PgExecutor<'_>) -> AppResult<Vec<ArcoRequest>> {
    select_requests(db, None).await
}

pub async fn request(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<ArcoRequest>> {
    Ok(select_requests(db, Some(id)).await?.pop())
}

/// Holds a request for its answer (see `db::locks`, step 4); `None` if there is no such request.
pub async fn lock_request(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<Uuid>> {
    Ok(sqlx::query_scalar!("SELECT id FROM arco_requests WHERE id = $1 FOR NO KEY UPDATE", id)
        .fetch_optional(conn)
        .await?)
}

/// The register's rows, or the one with `id`.
async fn select_requests(db: impl PgExecutor<'_>, id: Option<Uuid>) -> AppResult<Vec<ArcoRequest>> {
    let rows = sqlx::query_as!(
        RequestRow,
        r#"SELECT r.id, r.patient_id, btrim(p.first_name || ' ' || p.last_names) AS "patient_name!",
                  r.kind AS "kind: ArcoKind", r.requester, r.details, r.received_on, r.due_on,
                  r.outcome AS "outcome?: ArcoOutcome", r.answer, r.answered_on, a.display_name AS "answered_by_name?",
                  c.display_name AS created_by_name, p.blocked_at IS NOT NULL AS "blocked!",
                  CASE WHEN p.blocked_by_request = r.id THEN patient_retention_ends(p.id) END AS retention_ends,
                  CASE WHEN p.blocked_by_request = r.id THEN p.purged_at END AS purged_at
           FROM arco_requests r
           JOIN patients p ON p.id = r.patient_id
           JOIN users c ON c.id = r.created_by
           LEFT JOIN users a ON a.id = r.answered_by
           WHERE $1::uuid IS NULL OR r.id = $1
           ORDER BY r.outcome IS NOT NULL, CASE WHEN r.outcome IS NULL THEN r.due_on END, r.received_on DESC, r.id"#,
        id
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(ArcoRequest::from).collect())
}

pub async fn insert_request(db: impl PgExecutor<'_>, r: &ArcoInput, due: NaiveDate, by: Uuid) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO arco_requests (id, patient_id, kind, requester, details, received_on, due_on, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        r.id,
        r.patient_id,
        r.kind as ArcoKind,
        &r.requester,
        &r.details,
        r.received_on,
        due,
        by
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn answer(db: impl PgExecutor<'_>, a: &ArcoAnswer, on: NaiveDate, by: Uuid) -> AppResult<()> {
    sqlx::query!(
        "UPDATE arco_requests SET outcome = $2, answer = $3, answered_on = $4, answered_by = $5 WHERE id = $1",
        a.request_id,
        a.outcome as ArcoOutcome,
        &a.answer,
        on,
        by
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Blocks the patient's record under the request: archived for good, the name off the agenda's
/// copies (`patient_label`), the future appointments cancelled, and the name's words out of the search's
/// suggestions unless another patient's name holds them. Answers how many appointments it cancelled.
pub async fn block(conn: &mut PgConnection, patient: Uuid, request: Uuid, by: Uuid) -> AppResult<u64> {
    let cancelled = sqlx::query!(
        "UPDATE appointments SET status = 'cancelled', cancel_reason = 'ARCO', cancelled_by = $2, cancelled_at = now(),
                updated_at = now()
         WHERE patient_id = $1 AND status IN ('scheduled', 'confirmed') AND lower(during) > now()",
        patient,
        by
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query!(
        "UPDATE patients SET blocked_at = now(), blocked_by_request = $2, archived_at = coalesce(archived_at, now()),
                updated_at = now()
         WHERE id = $1",
        patient,
        request
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE appointments a SET patient_name = patient_label(p), updated_at = now()
         FROM patients p WHERE p.id = a.patient_id AND a.patient_id = $1",
        patient
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "DELETE FROM patient_name_words w
         WHERE w.word IN (SELECT regexp_split_to_table(search_name, '[^[:alnum:]]+') FROM patients WHERE id = $1)
           AND NOT EXISTS (SELECT 1 FROM patients p
                           WHERE p.blocked_at IS NULL AND p.search_name LIKE '%' || w.word || '%')",
        patient
    )
    .execute(&mut *conn)
    .await?;
    Ok(cancelled)
}

/// Runs the deletion of a blocked record (migration 25); answers its audit entry's `after`.
pub async fn purge(
    conn: &mut PgConnection,
    patient: Uuid,
    request: Uuid,
    by: Uuid,
    desk: &str,
) -> AppResult<serde_json::Value> {
    Ok(sqlx::query_scalar!(r#"SELECT purge_patient($1, $2, $3, $4) AS "report!""#, patient, request, by, desk)
        .fetch_one(conn)
        .await?)
}

/// Whether the patient's record is blocked; None when there is no such patient.
pub async fn blocked(db: impl PgExecutor<'_>, patient: Uuid) -> AppResult<Option<bool>> {
    Ok(sqlx::query_scalar!(r#"SELECT blocked_at IS NOT NULL AS "b!" FROM patients WHERE id = $1"#, patient)
        .fetch_optional(db)
        .await?)
}

impl crate::db::ClientCreate for NoticeInput {
    type Stored = Notice;
    fn id(&self) -> Uuid {
        self.id
    }
    async fn stored(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<Notice>> {
        notice(conn, id).await
    }
    fn same_as(&self, stored: &Notice) -> bool {
        self.simplified == stored.simplified && self.integral == stored.integral
    }
}

impl crate::db::ClientCreate for ConsentInput {
    type Stored = Consent;
    fn id(&self) -> Uuid {
        self.id
    }
    async fn stored(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<Consent>> {
        consent_by_id(conn, id).await
    }
    fn same_as(&self, stored: &Consent) -> bool {
        self.patient_id == stored.patient_id
            && Some(self.notice_version) == stored.notice_version
            && Some(self.health_data) == stored.health_data
            && self.purposes == stored.purposes
    }
}

impl crate::db::ClientCreate for ArcoInput {
    type Stored = ArcoRequest;
    fn id(&self) -> Uuid {
        self.id
    }
    async fn stored(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<ArcoRequest>> {
        request(conn, id).await
    }
    fn same_as(&self, stored: &ArcoRequest) -> bool {
        self.patient_id == stored.patient_id
            && self.kind == stored.kind
            && self.requester == stored.requester
            && self.details == stored.details
            && self.received_on == stored.received_on
    }
}
