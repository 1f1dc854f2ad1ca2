//! Reading the audit log.

use super::{AuditRow, repo};
use crate::auth::{Ctx, Permission};
use crate::error::AppResult;

/// The newest `limit` entries (1 to 1,000). An entry's content shows only to a reader who may read
/// its record elsewhere: visits and clinical histories (and entries written before clinical text was kept out of the
/// audit still hold it) need `clinical.read`, patients (their allergies, history, contact) need
/// `patients.read`. Who did what, when and where shows to every reader of the audit.
#[tracing::instrument(skip_all, fields(limit))]
pub async fn recent(ctx: &Ctx, limit: u32) -> AppResult<Vec<AuditRow>> {
    let mut rows = repo::recent(&ctx.pool, i64::from(limit.clamp(1, 1000))).await?;
    let may = |p: Permission| ctx.session.permissions.contains(&p);
    let (clinical, patients) = (may(Permission::ClinicalRead), may(Permission::PatientsRead));
    for row in rows.iter_mut() {
        let hidden = match row.entity.as_str() {
            // A history's entries name the patient and hold only digests, but a history with
            // few words could be guessed from its digest: clinical readers only.
            "visit" | "history" => !clinical,
            "patient" => !patients,
            _ => false,
        };
        if hidden {
            row.before = None;
            row.after = None;
        }
    }
    Ok(rows)
}

/// Where the chain broke first, and how.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ChainBreak {
    /// The audit row (`id`) the break is at (none when the rows there are gone).
    pub audit_id: Option<i64>,
    /// Its place in the chain (absent for a row outside it).
    pub position: Option<i64>,
    pub reason: BreakReason,
    /// The corte Z whose recorded chain head no longer matches (`truncated`, `rewritten`).
    pub cash_session_id: Option<uuid::Uuid>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum BreakReason {
    /// The row's content no longer gives its hash: it was edited.
    Changed,
    /// Rows are missing before this one: they were deleted.
    Missing,
    /// The row does not follow the one before it: it was slipped in or moved.
    OutOfOrder,
    /// The row is outside the chain: it was written with the chain switched off.
    Unchained,
    /// A corte Z recorded the chain longer than it is: rows were cut from its end.
    Truncated,
    /// A corte Z recorded another hash at its place: the chain was rewritten from there on.
    Rewritten,
}

/// What the verifier found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ChainCheck {
    /// Rows in the chain.
    pub rows: i64,
    /// The chain's head, hex (what corte Z reports print, to hold a rewrite against).
    pub head: String,
    /// The first break, if any; none means every row is as written and in place.
    pub first_break: Option<ChainBreak>,
}

/// Rows read per round trip while walking the chain.
const PAGE: i64 = 5_000;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// PostgreSQL's `quote_nullable` of a value's text: NULL, or the text in single quotes with quotes
/// doubled, and with backslashes doubled behind an `E` when it has any.
fn quote_nullable(text: Option<&str>) -> String {
    match text {
        None => "NULL".into(),
        Some(t) if t.contains('\\') => format!("E'{}'", t.replace('\\', "\\\\").replace('\'', "''")),
        Some(t) => format!("'{}'", t.replace('\'', "''")),
    }
}

/// The hash a link must carry: SHA-256 of the previous hash and the row's canonical content, the
/// bytes migration 9's `audit_log_content` makes (from migration 19, for chain version 2, followed
/// by the version and the database login). Computed here rather than by that function, so
/// an owner who rewrites the function (to hide an edit) does not also rewrite the check.
fn chain_hash(link: &repo::Link) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let (seq, id, at) = (link.chain_seq.to_string(), link.id.to_string(), link.at_micros.to_string());
    let user = link.user_id.map(|u| u.hyphenated().to_string());
    let version = link.chain_version.map(|v| v.to_string());
    let mut fields = vec![
        Some(seq.as_str()),
        Some(id.as_str()),
        Some(at.as_str()),
        user.as_deref(),
        link.username.as_deref(),
        Some(link.desk.as_str()),
        Some(link.action.as_str()),
        Some(link.entity.as_str()),
        link.entity_id.as_deref(),
        link.before.as_deref(),
        link.after.as_deref(),
    ];
    if let Some(version) = version.as_deref() {
        fields.extend([Some(version), link.db_login.as_deref()]);
    }
    let mut hasher = Sha256::new();
    hasher.update(&link.prev_hash);
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            hasher.update(b"|");
        }
        hasher.update(quote_nullable(field).as_bytes());
    }
    hasher.finalize().to_vec()
}

/// Walks the whole audit chain and names the first row that does not match: an edit, a deletion,
/// a row slipped in out of order, a row outside the chain.
#[tracing::instrument(skip_all)]
pub async fn verify(ctx: &Ctx) -> AppResult<ChainCheck> {
    let mut conn = ctx.pool.acquire().await?;
    let (rows, head) = repo::head(&mut *conn).await?;
    let mut check = ChainCheck { rows, head: hex(&head), first_break: None };
    if let Some(audit_id) = repo::first_unchained(&mut *conn).await? {
        check.first_break = Some(ChainBreak {
            audit_id: Some(audit_id),
            position: None,
            reason: BreakReason::Unchained,
            cash_session_id: None,
        });
        return Ok(check);
    }
    // A row a record's deletion emptied (or took a patient's name from) no longer hashes to its
    // link: it holds if a later entry of the chain, the deletion's (verified in its turn), attests
    // that very hash.
    let attested: std::collections::HashMap<i64, (Vec<u8>, i64)> =
        repo::redactions(&mut *conn).await?.into_iter().map(|r| (r.id, (r.hash, r.attested_by))).collect();
    let redacted =
        |link: &repo::Link| attested.get(&link.id).is_some_and(|(hash, by)| *hash == link.hash && *by > link.id);
    let (mut expected, mut previous, mut version) = (1_i64, Vec::new(), None);
    loop {
        let links = repo::links(&mut *conn, expected - 1, PAGE).await?;
        if links.is_empty() {
            // The chain holds together; each corte Z's record of it must still be in it.
            check.first_break = repo::first_lost_anchor(&mut *conn).await?.map(|lost| ChainBreak {
                audit_id: lost.audit_id,
                position: Some(lost.position),
                reason: if lost.audit_id.is_some() { BreakReason::Rewritten } else { BreakReason::Truncated },
                cash_session_id: Some(lost.session_id),
            });
            return Ok(check);
        }
        for link in links {
            let reason = if link.chain_seq != expected {
                Some(BreakReason::Missing)
            } else if link.prev_hash != previous {
                Some(BreakReason::OutOfOrder)
            } else if (link.hash != chain_hash(&link) && !redacted(&link)) || link.chain_version < version {
                // (A version never goes back down the chain: a row made version 1 again would hash
                // without its login.)
                Some(BreakReason::Changed)
            } else {
                None
            };
            if let Some(reason) = reason {
                check.first_break = Some(ChainBreak {
                    audit_id: Some(link.id),
                    position: Some(link.chain_seq),
                    reason,
                    cash_session_id: None,
                });
                return Ok(check);
            }
            expected += 1;
            previous = link.hash;
            version = link.chain_version;
        }
    }
}

/// The chain's length and head (hex), for reports: as a closed cash session recorded it when it
/// closed (what the verifier holds the chain to), else as it is now.
pub async fn head(ctx: &Ctx, closed_session: Option<uuid::Uuid>) -> AppResult<(i64, String)> {
    let anchored = match closed_session {
        Some(id) => repo::anchor(&ctx.pool, id).await?,
        None => None,
    };
    let (rows, head) = match anchored {
        Some(anchor) => anchor,
        None => repo::head(&ctx.pool).await?,
    };
    Ok((rows, hex(&head)))
}
