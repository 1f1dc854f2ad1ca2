use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use uuid::Uuid;

use super::model::{Letter, LetterInput, Revocation, ScanInput, Template, TemplateInput};
use super::repo::{self, NewLetter};
use crate::audit::{self, Action, Entry};
use crate::auth::Ctx;
use crate::db::{self, ClientCreate};
use crate::documents::consent::{LetterContext, Signed};
use crate::documents::render::Lang;
use crate::error::{AppError, AppResult};
use crate::privacy::service::ensure_open;
use crate::profile::time;

/// The current version of each kind's template.
pub async fn templates(ctx: &Ctx) -> AppResult<Vec<Template>> {
    repo::current_templates(&ctx.pool).await
}

/// Publishes a new version of a kind's template. Its body must hold every placeholder of NOM-004
/// 10.1.1 (the first missing one is named). Idempotent by id; audited by digest.
#[tracing::instrument(skip_all, fields(template_id = %input.id))]
pub async fn publish_template(ctx: &Ctx, input: TemplateInput) -> AppResult<Template> {
    let input = input.parse()?;
    let mut tx = ctx.pool.begin().await?;
    if let Some(stored) = db::replayed(&mut tx, &input).await? {
        return Ok(stored);
    }
    if let Some(missing) = repo::missing_placeholder(&mut *tx, &input.body, input.witnesses).await? {
        return Err(AppError::TemplateIncomplete { placeholder: missing });
    }
    repo::insert_template(&mut tx, &input, ctx.session.user_id).await?;
    let stored = repo::template(&mut *tx, input.id).await?.ok_or_else(|| AppError::not_found("template"))?;
    let entry = Entry::new(Action::ConsentTemplatePublish, "consent_template", stored.id).after(&json!({
        "kind": stored.kind, "version": stored.version, "witnesses": stored.witnesses,
        "body_sha256": audit::digest(&format!("{}\n{}\n{}\n{}\n{}", stored.title, stored.act,
            stored.risks_benefits, stored.contingencies, stored.body)),
    }));
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    tx.commit().await?;
    Ok(stored)
}

impl ClientCreate for TemplateInput {
    type Stored = Template;
    fn id(&self) -> Uuid {
        self.id
    }
    async fn stored(conn: &mut sqlx::PgConnection, id: Uuid) -> AppResult<Option<Template>> {
        repo::template(conn, id).await
    }
    fn same_as(&self, t: &Template) -> bool {
        (self.kind, &self.title, &self.act, &self.risks_benefits, &self.contingencies, &self.body, self.witnesses)
            == (t.kind, &t.title, &t.act, &t.risks_benefits, &t.contingencies, &t.body, t.witnesses)
    }
}

/// A letter is the same create when it names the same patient and template (its document is made
/// once, by the first).
macro_rules! letter_create {
    ($input:ty) => {
        impl ClientCreate for $input {
            type Stored = Letter;
            fn id(&self) -> Uuid {
                self.id
            }
            async fn stored(conn: &mut sqlx::PgConnection, id: Uuid) -> AppResult<Option<Letter>> {
                repo::letter(conn, id).await
            }
            fn same_as(&self, l: &Letter) -> bool {
                (self.patient_id, self.template_id) == (l.patient_id, l.template_id)
            }
        }
    };
}
letter_create!(LetterInput);
letter_create!(ScanInput);

/// The patient's letters, newest first, each saying whether it covers its act today.
pub async fn letters(ctx: &Ctx, patient: Uuid) -> AppResult<Vec<Letter>> {
    ensure_open(&ctx.pool, patient).await?;
    repo::letters(&ctx.pool, Some(patient), None).await
}

/// Records a letter signed at the desk: the patient (or their representative) and the witnesses
/// drew their signatures, and the signed-in podiatrist confirmed with their password (checked by
/// the caller, as an unlock is). The letter is made here once as a PDF/A with the strokes drawn
/// in, stored with the strokes as drawn, and its SHA-256 (the database's, from the stored bytes)
/// enters the audit chain. Dated by the database's clock; `kept_at`: when a desk without its
/// server took the signatures (never later than the database's now). Idempotent by id.
#[tracing::instrument(skip_all, fields(letter_id = %input.id))]
pub async fn sign(ctx: &Ctx, input: LetterInput, kept_at: Option<DateTime<Utc>>, lang: Lang) -> AppResult<Letter> {
    let input = input.parse()?;
    let mut tx = ctx.pool.begin().await?;
    if let Some(stored) = db::replayed(&mut tx, &input).await? {
        return Ok(stored);
    }
    let now = repo::now(&mut *tx).await?;
    let signed_at = kept_at.map_or(now, |at| at.min(now));
    let s = repo::signing(&mut tx, ctx.session.user_id, input.patient_id, input.template_id, signed_at).await?;
    let strokes = json!({
        "signature": input.signature,
        "witnesses": input.witnesses,
    });
    let podiatrist = s.podiatrist.id;
    let document = {
        let input = input.clone();
        let confirmed_by = ctx.session.display_name.clone();
        crate::documents::build(move || {
            let context = LetterContext {
                clinic: &s.clinic,
                tz: s.tz,
                template: &s.template,
                patient: &s.patient,
                podiatrist: &s.podiatrist,
                detail: &input.detail,
                signer: input.signer,
                representative: &input.representative,
                relationship: &input.relationship,
                signed: Some(Signed {
                    at: signed_at,
                    signature: &input.signature,
                    witnesses: &input.witnesses,
                    confirmed_by: &confirmed_by,
                }),
            };
            crate::documents::consent::letter(&context, lang, signed_at)
        })
        .await?
    };
    let letter = NewLetter {
        id: input.id,
        patient_id: input.patient_id,
        template_id: input.template_id,
        detail: &input.detail,
        signer: input.signer,
        representative: &input.representative,
        relationship: &input.relationship,
        witnesses: input.witnesses.iter().map(|w| w.name.clone()).collect(),
        podiatrist_id: podiatrist,
        strokes: Some(strokes),
        document: &document,
        media_type: "application/pdf",
        signed_at,
    };
    finish(tx, ctx, &letter, Action::ConsentSign).await
}

/// Stores the letter and audits it with the digest the database computed from the stored bytes.
async fn finish(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    ctx: &Ctx,
    letter: &NewLetter<'_>,
    action: Action,
) -> AppResult<Letter> {
    repo::insert_letter(&mut *tx, letter, ctx.session.user_id).await?;
    let stored = repo::letter(&mut *tx, letter.id).await?.ok_or_else(|| AppError::not_found("letter"))?;
    let entry = Entry::new(action, "consent_letter", stored.id).after(&json!({
        "patient": stored.patient_id,
        "kind": stored.kind,
        "template": stored.template_id,
        "version": stored.version,
        "signer": stored.signer,
        "signedAt": stored.signed_at,
        "sha256": stored.sha256,
    }));
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    tx.commit().await?;
    Ok(stored)
}

/// What a scanned file is, by its first bytes (never by its name): PDF, PNG or JPEG.
pub fn scan_media_type(bytes: &[u8]) -> AppResult<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Ok("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Ok("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Ok("image/jpeg")
    } else {
        Err(AppError::validation("file", "scan_format"))
    }
}

/// The largest scan a letter keeps (the database holds the same bound).
pub const MAX_SCAN_BYTES: usize = 10 * 1024 * 1024;

/// Attaches the scan of a letter printed blank and signed on paper, by the podiatrist who informed
/// the patient (the signed-in user). `bytes`: the file as read at the desk. Idempotent by id;
/// audited with the scan's SHA-256.
#[tracing::instrument(skip_all, fields(letter_id = %input.id))]
pub async fn attach_scan(ctx: &Ctx, input: ScanInput, bytes: Vec<u8>) -> AppResult<Letter> {
    let media_type = scan_media_type(&bytes)?;
    if bytes.len() > MAX_SCAN_BYTES {
        return Err(AppError::validation("file", "scan_too_large"));
    }
    let tz = time::zone(&ctx.pool).await?;
    let input = input.parse(time::local_date(tz, Utc::now()))?;
    let mut tx = ctx.pool.begin().await?;
    if let Some(stored) = db::replayed(&mut tx, &input).await? {
        return Ok(stored);
    }
    let now = repo::now(&mut *tx).await?;
    let signed_at = end_of(input.signed_on, time::zone(&mut *tx).await?).min(now);
    let s = repo::signing(&mut tx, ctx.session.user_id, input.patient_id, input.template_id, signed_at).await?;
    let letter = NewLetter {
        id: input.id,
        patient_id: input.patient_id,
        template_id: input.template_id,
        detail: &input.detail,
        signer: input.signer,
        representative: &input.representative,
        relationship: &input.relationship,
        witnesses: input.witnesses.clone(),
        podiatrist_id: s.podiatrist.id,
        strokes: None,
        document: &bytes,
        media_type,
        signed_at,
    };
    finish(tx, ctx, &letter, Action::ConsentScan).await
}

/// A day signed on paper as an instant: its last second in the clinic's zone (the letter is then
/// on the version in force as that day ended; a scan attached the same day, on the current one).
fn end_of(day: NaiveDate, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let (_, end) = time::day_bounds(tz, day);
    end - chrono::Duration::seconds(1)
}

/// Revokes a letter: an addendum, the letter stays as signed; from now on it covers nothing.
/// Audited.
#[tracing::instrument(skip_all, fields(letter_id = %input.letter_id))]
pub async fn revoke(ctx: &Ctx, input: Revocation) -> AppResult<Letter> {
    let input = input.parse()?;
    let mut tx = ctx.pool.begin().await?;
    db::lock_id(&mut tx, input.letter_id).await?;
    let letter = repo::letter(&mut *tx, input.letter_id).await?.ok_or_else(|| AppError::not_found("letter"))?;
    ensure_open(&mut *tx, letter.patient_id).await?;
    if letter.revoked_at.is_some() {
        tx.rollback().await?;
        return Ok(letter);
    }
    repo::insert_revocation(&mut *tx, &input, ctx.session.user_id).await?;
    let entry = Entry::new(Action::ConsentRevoke, "consent_letter", letter.id)
        .after(&json!({ "patient": letter.patient_id, "reason_sha256": audit::digest(&input.reason) }));
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    let stored = repo::letter(&mut *tx, letter.id).await?.ok_or_else(|| AppError::not_found("letter"))?;
    tx.commit().await?;
    Ok(stored)
}

/// Refuses procedures the patient has no letter in force for, naming the first treatment and the
/// letter it needs (the database refuses them too).
pub async fn require_for(db: impl sqlx::PgExecutor<'_>, patient: Uuid, treatments: &[Uuid]) -> AppResult<()> {
    match repo::missing_consent(db, patient, treatments).await? {
        Some((treatment_name, consent)) => Err(AppError::ConsentRequired { treatment_name, consent }),
        None => Ok(()),
    }
}
