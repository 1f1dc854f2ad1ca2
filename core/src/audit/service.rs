//! Reading the audit log.

use super::{AuditRow, repo};
use crate::auth::{Ctx, Permission};
use crate::error::AppResult;

/// The newest `limit` entries (1 to 1,000).
#[tracing::instrument(skip_all, fields(limit))]
/// Without `clinical.read`, entries about visits come without their content: entries written
/// before clinical text was kept out of the audit still hold it.
pub async fn recent(ctx: &Ctx, limit: u32) -> AppResult<Vec<AuditRow>> {
    let mut rows = repo::recent(&ctx.pool, i64::from(limit.clamp(1, 1000))).await?;
    if !ctx.session.permissions.contains(&Permission::ClinicalRead) {
        for row in rows.iter_mut().filter(|r| r.entity == "visit") {
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
    /// The audit row (`id`) the break is at.
    pub audit_id: i64,
    /// Its place in the chain (absent for a row outside it).
    pub position: Option<i64>,
    pub reason: BreakReason,
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
/// bytes migration 9's `audit_log_content` makes. Computed here rather than by that function, so
/// an owner who rewrites the function (to hide an edit) does not also rewrite the check.
fn chain_hash(link: &repo::Link) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let fields = [
        Some(link.chain_seq.to_string()),
        Some(link.id.to_string()),
        Some(link.at_micros.to_string()),
        link.user_id.map(|u| u.hyphenated().to_string()),
        link.username.clone(),
        Some(link.desk.clone()),
        Some(link.action.clone()),
        Some(link.entity.clone()),
        link.entity_id.clone(),
        link.before.clone(),
        link.after.clone(),
    ];
    let content = fields.iter().map(|f| quote_nullable(f.as_deref())).collect::<Vec<_>>().join("|");
    let mut hasher = Sha256::new();
    hasher.update(&link.prev_hash);
    hasher.update(content.as_bytes());
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
        check.first_break = Some(ChainBreak { audit_id, position: None, reason: BreakReason::Unchained });
        return Ok(check);
    }
    let (mut expected, mut previous) = (1_i64, Vec::new());
    loop {
        let links = repo::links(&mut *conn, expected - 1, PAGE).await?;
        if links.is_empty() {
            return Ok(check);
        }
        for link in links {
            let reason = if link.chain_seq != expected {
                Some(BreakReason::Missing)
            } else if link.prev_hash != previous {
                Some(BreakReason::OutOfOrder)
            } else if link.hash != chain_hash(&link) {
                Some(BreakReason::Changed)
            } else {
                None
            };
            if let Some(reason) = reason {
                check.first_break = Some(ChainBreak { audit_id: link.id, position: Some(link.chain_seq), reason });
                return Ok(check);
            }
            expected += 1;
            previous = link.hash;
        }
    }
}

/// The chain's length and head (hex), for reports.
pub async fn head(ctx: &Ctx) -> AppResult<(i64, String)> {
    let (rows, head) = repo::head(&ctx.pool).await?;
    Ok((rows, hex(&head)))
}
