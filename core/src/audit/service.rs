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
            } else if link.hash != link.recomputed {
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
