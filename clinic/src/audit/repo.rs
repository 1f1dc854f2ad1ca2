//! The audit log's SQL.

use sqlx::PgExecutor;

use super::{Action, Actor, AuditRow, Entry};
use crate::error::AppResult;

pub async fn insert(db: impl PgExecutor<'_>, actor: &Actor, entry: &Entry<'_>) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO audit_log (user_id, username, desk, action, entity, entity_id, before, after)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        actor.user_id,
        actor.username.as_deref(),
        &actor.desk,
        entry.action as Action,
        entry.entity,
        entry.entity_id.as_deref(),
        entry.before.as_ref(),
        entry.after.as_ref()
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Whether `action` was recorded on user `user` for the outbox write `outbox_id` (a sign-in made
/// without the server, sent again after a crash, is found instead of recorded twice).
pub async fn recorded_for(
    db: impl PgExecutor<'_>,
    action: Action,
    user: uuid::Uuid,
    outbox_id: uuid::Uuid,
) -> AppResult<bool> {
    let found = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM audit_log WHERE entity = 'user' AND entity_id = $1 AND action = $2
                          AND after ->> 'outboxId' = $3) AS "found!""#,
        user.to_string(),
        action as Action,
        outbox_id.to_string()
    )
    .fetch_one(db)
    .await?;
    Ok(found)
}

/// The newest entries first, up to `limit`.
pub async fn recent(db: impl PgExecutor<'_>, limit: i64) -> AppResult<Vec<AuditRow>> {
    Ok(sqlx::query_as!(
        AuditRow,
        "SELECT id, at, username, desk, action, entity, entity_id, before, after, db_login
         FROM audit_log ORDER BY id DESC LIMIT $1",
        limit
    )
    .fetch_all(db)
    .await?)
}

/// One link of the chain as stored: its place, its hashes and the content they cover, each field
/// in PostgreSQL's text form (the verifier hashes them itself: it trusts no function of the
/// schema's owner to do it).
pub struct Link {
    pub chain_seq: i64,
    pub id: i64,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
    /// `at` in microseconds since the Unix epoch.
    pub at_micros: i64,
    pub user_id: Option<uuid::Uuid>,
    pub username: Option<String>,
    pub desk: String,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    /// 2 from migration 19 on (the login is hashed too); `None` for the rows before.
    pub chain_version: Option<i16>,
    pub db_login: Option<String>,
}

/// A row a record's deletion emptied (migration 25): the hash the deletion's own entry attests
/// for it, and that entry's id.
pub struct Redaction {
    pub id: i64,
    pub hash: Vec<u8>,
    pub attested_by: i64,
}

/// Every redaction the deletion entries attest (well-formed ones: a row id and a SHA-256 in hex).
pub async fn redactions(db: impl PgExecutor<'_>) -> AppResult<Vec<Redaction>> {
    Ok(sqlx::query_as!(
        Redaction,
        r#"SELECT (e ->> 0)::bigint AS "id!", decode(e ->> 1, 'hex') AS "hash!", a.id AS attested_by
           FROM audit_log a
           CROSS JOIN LATERAL jsonb_array_elements(
               CASE WHEN jsonb_typeof(a.after -> 'redacted') = 'array' THEN a.after -> 'redacted' ELSE '[]' END) AS e
           WHERE a.action = 'patient.purge' AND jsonb_typeof(e) = 'array'
             AND e ->> 0 ~ '^[0-9]{1,18}$' AND e ->> 1 ~ '^[0-9a-f]{64}$'"#
    )
    .fetch_all(db)
    .await?)
}

/// Up to `limit` links after position `after`, in chain order.
pub async fn links(db: impl PgExecutor<'_>, after: i64, limit: i64) -> AppResult<Vec<Link>> {
    Ok(sqlx::query_as!(
        Link,
        r#"SELECT chain_seq AS "chain_seq!", id, prev_hash AS "prev_hash!", hash AS "hash!",
                  (extract(epoch FROM at) * 1000000)::bigint AS "at_micros!", user_id, username, desk,
                  action::text AS "action!", entity, entity_id, before::text, after::text, chain_version,
                  db_login
           FROM audit_log WHERE chain_seq > $1 ORDER BY chain_seq LIMIT $2"#,
        after,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// A corte Z whose anchor the chain no longer holds: its place is past the chain's end, or holds
/// another hash.
pub struct LostAnchor {
    pub session_id: uuid::Uuid,
    pub position: i64,
    /// The row now at that place, if any.
    pub audit_id: Option<i64>,
}

/// The earliest corte Z anchor (by place in the chain) the chain does not hold as recorded.
pub async fn first_lost_anchor(db: impl PgExecutor<'_>) -> AppResult<Option<LostAnchor>> {
    Ok(sqlx::query_as!(
        LostAnchor,
        r#"SELECT s.id AS session_id, s.audit_rows AS "position!", a.id AS "audit_id?"
           FROM cash_sessions s LEFT JOIN audit_log a ON a.chain_seq = s.audit_rows
           WHERE s.audit_rows > 0 AND a.hash IS DISTINCT FROM s.audit_head
           ORDER BY s.audit_rows LIMIT 1"#
    )
    .fetch_optional(db)
    .await?)
}

/// The chain's length and head a closed cash session recorded when it closed.
pub async fn anchor(db: impl PgExecutor<'_>, session_id: uuid::Uuid) -> AppResult<Option<(i64, Vec<u8>)>> {
    let row = sqlx::query!(
        r#"SELECT audit_rows AS "rows!", audit_head AS "head!" FROM cash_sessions
           WHERE id = $1 AND audit_rows IS NOT NULL"#,
        session_id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.rows, r.head)))
}

/// The first committed row outside the chain (written with the chain's trigger switched off, or
/// given a place the walk never reaches), if any.
pub async fn first_unchained(db: impl PgExecutor<'_>) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar!("SELECT min(id) FROM audit_log WHERE chain_seq IS NULL OR chain_seq <= 0")
        .fetch_one(db)
        .await?)
}

/// The chain's length and its head's hash (empty for an empty log).
pub async fn head(db: impl PgExecutor<'_>) -> AppResult<(i64, Vec<u8>)> {
    let head = sqlx::query!(
        r#"SELECT coalesce(max(chain_seq), 0) AS "rows!",
                  coalesce((SELECT hash FROM audit_log WHERE chain_seq IS NOT NULL ORDER BY chain_seq DESC LIMIT 1), '\x'::bytea) AS "hash!"
           FROM audit_log"#
    )
    .fetch_one(db)
    .await?;
    Ok((head.rows, head.hash))
}
