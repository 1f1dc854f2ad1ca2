use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::model::{ConsentKind, Letter, Revocation, Signer, Template, TemplateInput};
use crate::error::{AppError, AppResult};
use crate::privacy::service::ensure_open;
use crate::profile::time;
use crate::{patients, podiatrists, profile};

/// The latest version of each kind's template, in the order of `ConsentKind::ALL`.
pub async fn current_templates(db: impl PgExecutor<'_>) -> AppResult<Vec<Template>> {
    let mut current = sqlx::query_as!(
        Template,
        r#"SELECT DISTINCT ON (t.kind) t.id, t.kind AS "kind: ConsentKind", t.version, t.title, t.act, t.risks_benefits,
                  t.contingencies, t.body, t.witnesses, u.display_name AS published_by_name, t.published_at
           FROM consent_templates t JOIN users u ON u.id = t.published_by
           ORDER BY t.kind, t.version DESC"#
    )
    .fetch_all(db)
    .await?;
    current.sort_by_key(|t| ConsentKind::ALL.iter().position(|k| *k == t.kind));
    Ok(current)
}

pub async fn template(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Template>> {
    Ok(sqlx::query_as!(
        Template,
        r#"SELECT t.id, t.kind AS "kind: ConsentKind", t.version, t.title, t.act, t.risks_benefits,
                  t.contingencies, t.body, t.witnesses, u.display_name AS published_by_name, t.published_at
           FROM consent_templates t JOIN users u ON u.id = t.published_by WHERE t.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?)
}

/// The version of `kind`'s template in force at `at` (the database's rule, `consent_template_at`).
pub async fn template_at(db: impl PgExecutor<'_>, kind: ConsentKind, at: DateTime<Utc>) -> AppResult<Option<Uuid>> {
    Ok(sqlx::query_scalar!("SELECT consent_template_at($1, $2)", kind as ConsentKind, at).fetch_one(db).await?)
}

/// The database's clock: a letter is dated by it, never by a desk's.
pub async fn now(db: impl PgExecutor<'_>) -> AppResult<DateTime<Utc>> {
    Ok(sqlx::query_scalar!(r#"SELECT now() AS "now!""#).fetch_one(db).await?)
}

/// The placeholder a body lacks (the database's rule), or None.
pub async fn missing_placeholder(db: impl PgExecutor<'_>, body: &str, witnesses: i16) -> AppResult<Option<String>> {
    Ok(sqlx::query_scalar!("SELECT consent_template_missing($1, $2)", body, i32::from(witnesses)).fetch_one(db).await?)
}

/// Publishes the kind's next version. A named lock on the kind (lock order: step 2) makes two
/// admins publishing at once take turns, so they never both make version N. (Not a table lock:
/// the desks' login may not take one.)
pub async fn insert_template(conn: &mut PgConnection, t: &TemplateInput, by: Uuid) -> AppResult<()> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtext('podoclinic.consent_templates.' || $1::consent_kind::text))",
        t.kind as ConsentKind
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query!(
        "INSERT INTO consent_templates (id, kind, version, title, act, risks_benefits, contingencies, body, witnesses, published_by)
         VALUES ($1, $2::consent_kind, (SELECT coalesce(max(version), 0) + 1 FROM consent_templates WHERE kind = $2::consent_kind),
                 $3, $4, $5, $6, $7, $8, $9)",
        t.id,
        t.kind as ConsentKind,
        &t.title,
        &t.act,
        &t.risks_benefits,
        &t.contingencies,
        &t.body,
        t.witnesses,
        by
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A letter to store: what it says, who signed, and the document itself.
pub struct NewLetter<'a> {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub template_id: Uuid,
    pub detail: &'a str,
    pub signer: Signer,
    pub representative: &'a str,
    pub relationship: &'a str,
    pub witnesses: Vec<String>,
    pub podiatrist_id: Uuid,
    pub strokes: Option<serde_json::Value>,
    pub document: &'a [u8],
    pub media_type: &'a str,
    pub signed_at: DateTime<Utc>,
}

pub async fn insert_letter(db: impl PgExecutor<'_>, l: &NewLetter<'_>, by: Uuid) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO consent_letters (id, patient_id, template_id, detail, signer, representative, relationship,
                                      witnesses, podiatrist_id, source, strokes, document, media_type, signed_at, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $10::jsonb IS NULL THEN 'scan' ELSE 'desk' END,
                 $10, $11, $12, $13, $14)",
        l.id,
        l.patient_id,
        l.template_id,
        l.detail,
        l.signer as Signer,
        l.representative,
        l.relationship,
        &l.witnesses,
        l.podiatrist_id,
        l.strokes,
        l.document,
        l.media_type,
        l.signed_at,
        by
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The patient's letters, newest first (or the one `only`).
pub async fn letters(db: impl PgExecutor<'_>, patient: Option<Uuid>, only: Option<Uuid>) -> AppResult<Vec<Letter>> {
    Ok(sqlx::query_as!(
        Letter,
        r#"SELECT l.id, l.patient_id, l.template_id, t.kind AS "kind: ConsentKind", t.version, t.title, l.detail,
                  l.signer AS "signer: Signer", l.representative, l.relationship, l.witnesses, p.name AS podiatrist_name,
                  l.source, l.media_type, l.sha256 AS "sha256!", l.signed_at, u.display_name AS recorded_by_name,
                  r.recorded_at AS "revoked_at?", r.reason AS "revocation_reason?",
                  consent_letter_in_force(l, now()) AS "in_force!"
           FROM consent_letters l
           JOIN consent_templates t ON t.id = l.template_id
           JOIN podiatrists p ON p.id = l.podiatrist_id
           JOIN users u ON u.id = l.recorded_by
           LEFT JOIN consent_revocations r ON r.letter_id = l.id
           WHERE ($1::uuid IS NULL OR l.patient_id = $1) AND ($2::uuid IS NULL OR l.id = $2)
           ORDER BY l.signed_at DESC, l.id DESC"#,
        patient,
        only
    )
    .fetch_all(db)
    .await?)
}

pub async fn letter(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Letter>> {
    Ok(letters(db, None, Some(id)).await?.pop())
}

/// The stored document of a letter and its media type.
pub async fn document(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<(Vec<u8>, String)>> {
    let row =
        sqlx::query!("SELECT document, media_type FROM consent_letters WHERE id = $1", id).fetch_optional(db).await?;
    Ok(row.map(|r| (r.document, r.media_type)))
}

pub async fn insert_revocation(db: impl PgExecutor<'_>, r: &Revocation, by: Uuid) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO consent_revocations (letter_id, reason, recorded_by) VALUES ($1, $2, $3)",
        r.letter_id,
        &r.reason,
        by
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The first of `treatments` that needs a letter the patient has no letter in force for: its
/// name and the kind of letter (the database's rule, `consent_in_force`).
pub async fn missing_consent(
    db: impl PgExecutor<'_>,
    patient: Uuid,
    treatments: &[Uuid],
) -> AppResult<Option<(String, ConsentKind)>> {
    let row = sqlx::query!(
        r#"SELECT t.name, t.requires_consent AS "kind!: ConsentKind" FROM treatments t
           WHERE t.id = ANY ($2) AND t.requires_consent IS NOT NULL
             AND NOT consent_in_force($1, t.requires_consent, now())
           ORDER BY t.name LIMIT 1"#,
        patient,
        treatments
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.name, r.kind)))
}

/// What signing needs from the database: the template (the version in force when signed), the
/// patient (open), the professional (the signing user's podiatrist), the clinic.
pub struct Signing {
    pub template: Template,
    pub patient: patients::model::Patient,
    pub podiatrist: podiatrists::model::Podiatrist,
    pub clinic: profile::model::ClinicProfile,
    pub tz: chrono_tz::Tz,
}

/// `at`: when the letter is (or was) signed; the template must be the version in force then.
pub async fn signing(
    conn: &mut sqlx::PgConnection,
    user: Uuid,
    patient: Uuid,
    template: Uuid,
    at: DateTime<Utc>,
) -> AppResult<Signing> {
    ensure_open(&mut *conn, patient).await?;
    let template = self::template(&mut *conn, template).await?.ok_or_else(|| AppError::not_found("template"))?;
    if template_at(&mut *conn, template.kind, at).await? != Some(template.id) {
        return Err(AppError::conflict("template_superseded", Some("templateId")));
    }
    let patient = patients::repo::find(&mut *conn, patient).await?.ok_or_else(|| AppError::not_found("patient"))?;
    let podiatrist = podiatrists::repo::for_user(&mut *conn, user)
        .await?
        .ok_or_else(|| AppError::conflict("not_a_podiatrist", None))?;
    let podiatrist =
        podiatrists::repo::find(&mut *conn, podiatrist).await?.ok_or_else(|| AppError::not_found("podiatrist"))?;
    let clinic = profile::repo::get(&mut *conn).await?;
    let tz = time::zone(&mut *conn).await?;
    Ok(Signing { template, patient, podiatrist, clinic, tz })
}
