use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::model::{CashEntry, CashMovementKind, CashSession, Denomination, OpenSessionInput, Register};
use crate::error::AppResult;
use crate::money::{EntryKind, Method, PerMethod};

pub async fn registers(db: impl PgExecutor<'_>) -> AppResult<Vec<Register>> {
    Ok(sqlx::query_as!(Register, "SELECT id, name, active FROM cash_registers ORDER BY active DESC, name")
        .fetch_all(db)
        .await?)
}

pub async fn desk_register(db: impl PgExecutor<'_>, desk: &str) -> AppResult<Option<Register>> {
    Ok(sqlx::query_as!(
        Register,
        "SELECT r.id, r.name, r.active FROM desk_registers d JOIN cash_registers r ON r.id = d.register_id
         WHERE d.desk = $1",
        desk
    )
    .fetch_optional(db)
    .await?)
}

pub async fn assign(db: impl PgExecutor<'_>, desk: &str, register: Uuid) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO desk_registers (desk, register_id) VALUES ($1, $2)
         ON CONFLICT (desk) DO UPDATE SET register_id = EXCLUDED.register_id, assigned_at = now()",
        desk,
        register
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn session(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<CashSession>> {
    Ok(sqlx::query_as!(
        CashSession,
        r#"SELECT s.id, s.register_id, r.name AS register_name, s.opened_at,
        ou.display_name AS opened_by_name, s.opening_float_cents, s.closed_at, cu.display_name AS "closed_by_name?"
    FROM cash_sessions s
    JOIN cash_registers r ON r.id = s.register_id
    JOIN users ou ON ou.id = s.opened_by
    LEFT JOIN users cu ON cu.id = s.closed_by WHERE s.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?)
}

/// The open session of a register, if any.
pub async fn open_session_of(db: impl PgExecutor<'_>, register: Uuid) -> AppResult<Option<CashSession>> {
    Ok(sqlx::query_as!(
        CashSession,
        r#"SELECT s.id, s.register_id, r.name AS register_name, s.opened_at,
        ou.display_name AS opened_by_name, s.opening_float_cents, s.closed_at, cu.display_name AS "closed_by_name?"
    FROM cash_sessions s
    JOIN cash_registers r ON r.id = s.register_id
    JOIN users ou ON ou.id = s.opened_by
    LEFT JOIN users cu ON cu.id = s.closed_by WHERE s.register_id = $1 AND s.closed_at IS NULL"#,
        register
    )
    .fetch_optional(db)
    .await?)
}

/// The open session of the register this desk uses, if any.
pub async fn desk_session(db: impl PgExecutor<'_>, desk: &str) -> AppResult<Option<Uuid>> {
    Ok(sqlx::query_scalar!("SELECT s.id FROM desk_registers d JOIN cash_sessions s ON s.register_id = d.register_id AND s.closed_at IS NULL
         WHERE d.desk = $1", desk)
    .fetch_optional(db)
    .await?)
}

/// Sessions of a register, newest first.
pub async fn sessions(db: impl PgExecutor<'_>, register: Uuid, limit: i64) -> AppResult<Vec<CashSession>> {
    Ok(sqlx::query_as!(
        CashSession,
        r#"SELECT s.id, s.register_id, r.name AS register_name, s.opened_at,
        ou.display_name AS opened_by_name, s.opening_float_cents, s.closed_at, cu.display_name AS "closed_by_name?"
    FROM cash_sessions s
    JOIN cash_registers r ON r.id = s.register_id
    JOIN users ou ON ou.id = s.opened_by
    LEFT JOIN users cu ON cu.id = s.closed_by WHERE s.register_id = $1 ORDER BY s.opened_at DESC LIMIT $2"#,
        register,
        limit
    )
    .fetch_all(db)
    .await?)
}

pub async fn insert_session(db: impl PgExecutor<'_>, s: &OpenSessionInput, by: Uuid) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO cash_sessions (id, register_id, opened_by, opening_float_cents) VALUES ($1, $2, $3, $4)",
        s.id,
        s.register_id,
        by,
        s.opening_float_cents
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Holds the session row until the transaction ends (a close waits for entries being written,
/// and they wait for it). Returns whether it is closed. Lock order: step 8 (see `db::locks`).
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<bool>> {
    Ok(sqlx::query_scalar!(
        r#"SELECT closed_at IS NOT NULL AS "closed!" FROM cash_sessions WHERE id = $1 FOR NO KEY UPDATE"#,
        id
    )
    .fetch_optional(conn)
    .await?)
}

/// Every entry of a session in time order, signed from the drawer's point of view.
pub async fn entries(db: impl PgExecutor<'_>, session: Uuid) -> AppResult<Vec<CashEntry>> {
    Ok(sqlx::query_as!(
        CashEntry,
        r#"SELECT e.at AS "at!", e.kind AS "kind!: EntryKind", e.method AS "method!: Method",
                  e.amount_cents AS "amount_cents!", e.label AS "label!", u.display_name AS by_name FROM (
             SELECT p.at, CASE WHEN p.amount_cents > 0 THEN 'payment' ELSE 'refund' END AS kind, p.method,
                    p.amount_cents, patient_label(pt) AS label, p.created_by, p.id
             FROM payments p JOIN patients pt ON pt.id = p.patient_id WHERE p.session_id = $1
             UNION ALL
             SELECT x.at, 'expense', x.method, -x.amount_cents, c.name || CASE WHEN x.note <> '' THEN ': ' || x.note ELSE '' END,
                    x.created_by, x.id
             FROM expenses x JOIN expense_categories c ON c.id = x.category_id WHERE x.session_id = $1
             UNION ALL
             SELECT m.at, m.kind, m.method, m.amount_cents, m.reason, m.created_by, m.id
             FROM cash_movements m WHERE m.session_id = $1
         ) e JOIN users u ON u.id = e.created_by
         ORDER BY e.at, e.id"#,
        session
    )
    .fetch_all(db)
    .await?)
}

/// What a closed session recorded at its close.
pub struct Closing {
    pub counted_cash_cents: Option<i64>,
    pub counted_card_cents: Option<i64>,
    pub counted_transfer_cents: Option<i64>,
    pub denominations: Option<Json<Vec<Denomination>>>,
    pub close_note: String,
}

pub async fn closing(db: impl PgExecutor<'_>, session: Uuid) -> AppResult<Closing> {
    Ok(sqlx::query_as!(
        Closing,
        r#"SELECT counted_cash_cents, counted_card_cents, counted_transfer_cents,
                  denominations AS "denominations: Json<Vec<Denomination>>", close_note
           FROM cash_sessions WHERE id = $1"#,
        session
    )
    .fetch_one(db)
    .await?)
}

pub struct CloseRecord<'a> {
    pub session: Uuid,
    pub by: Uuid,
    pub expected: PerMethod<i64>,
    pub counted: PerMethod<i64>,
    pub denominations: Option<&'a [Denomination]>,
    pub note: &'a str,
}

/// Closes the session: `closed_at` is the moment of the close, after the lock (every entry that
/// got in first is dated before it), not the start of the transaction.
pub async fn close(db: impl PgExecutor<'_>, c: CloseRecord<'_>) -> AppResult<()> {
    sqlx::query!(
        "UPDATE cash_sessions SET closed_at = clock_timestamp(), closed_by = $2,
             expected_cash_cents = $3, expected_card_cents = $4, expected_transfer_cents = $5,
             counted_cash_cents = $6, counted_card_cents = $7, counted_transfer_cents = $8,
             denominations = $9, close_note = $10
         WHERE id = $1",
        c.session,
        c.by,
        c.expected.cash,
        c.expected.card,
        c.expected.transfer,
        c.counted.cash,
        c.counted.card,
        c.counted.transfer,
        c.denominations.map(Json) as _,
        c.note
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A withdrawal, deposit or adjusting entry as the drawer records it (amount signed: out is negative).
#[derive(Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct NewCashMovement {
    pub id: Uuid,
    pub session_id: Uuid,
    pub kind: CashMovementKind,
    pub method: Method,
    pub amount_cents: i64,
    pub reason: String,
}

pub async fn insert_movement(db: impl PgExecutor<'_>, m: &NewCashMovement, by: Uuid) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO cash_movements (id, session_id, kind, method, amount_cents, reason, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        m.id,
        m.session_id,
        m.kind as CashMovementKind,
        m.method as Method,
        m.amount_cents,
        &m.reason,
        by
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn register(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Register>> {
    Ok(sqlx::query_as!(Register, "SELECT id, name, active FROM cash_registers WHERE id = $1", id)
        .fetch_optional(db)
        .await?)
}

/// A register, held until the transaction ends (lock order: step 8, see `db::locks`).
pub async fn register_for_update(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<Register>> {
    Ok(sqlx::query_as!(Register, "SELECT id, name, active FROM cash_registers WHERE id = $1 FOR NO KEY UPDATE", id)
        .fetch_optional(conn)
        .await?)
}

pub async fn insert_register(db: impl PgExecutor<'_>, r: &Register) -> AppResult<()> {
    sqlx::query!("INSERT INTO cash_registers (id, name, active) VALUES ($1, $2, $3)", r.id, &r.name, r.active)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn update_register(db: impl PgExecutor<'_>, r: &Register) -> AppResult<()> {
    sqlx::query!("UPDATE cash_registers SET name = $2, active = $3 WHERE id = $1", r.id, &r.name, r.active)
        .execute(db)
        .await?;
    Ok(())
}

crate::db::stored_as_asked!(NewCashMovement, movement);

crate::db::stored_as_asked!(OpenSessionInput, opened_session);

crate::db::stored_as_asked!(Register, register);

/// A withdrawal, deposit or adjusting entry as it was recorded.
pub async fn movement(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<NewCashMovement>> {
    Ok(sqlx::query_as!(
        NewCashMovement,
        r#"SELECT id, session_id, kind AS "kind: CashMovementKind", method AS "method: Method", amount_cents, reason
           FROM cash_movements WHERE id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?)
}

/// How a session was opened: its register and float.
pub async fn opened_session(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<OpenSessionInput>> {
    Ok(sqlx::query_as!(
        OpenSessionInput,
        "SELECT id, register_id, opening_float_cents FROM cash_sessions WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await?)
}
