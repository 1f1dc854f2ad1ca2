//! Writes made while the server was away, kept in the order they were made until the server has
//! them. A write is stored (and on disk: synchronous=FULL) before the desk says it is saved here.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Result, Store};

/// Where a write is: waiting to be sent, refused by the server (a person must decide), on the
/// server, or given up by a person (with a reason, audited by the core).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Conflict,
    Landed,
    Discarded,
}

impl State {
    fn key(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Conflict => "conflict",
            State::Landed => "landed",
            State::Discarded => "discarded",
        }
    }

    fn parse(s: &str) -> State {
        match s {
            "conflict" => State::Conflict,
            "landed" => State::Landed,
            "discarded" => State::Discarded,
            _ => State::Pending,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub seq: i64,
    /// The write's own client-made id.
    pub id: Uuid,
    pub user_id: Uuid,
    /// Which write (the core's name for it) and its input as JSON.
    pub kind: String,
    pub payload: String,
    pub created_at: DateTime<Utc>,
    pub state: State,
    /// The server's refusal (the core's error as JSON), for a conflict or a discard's reason.
    pub refusal: Option<String>,
    pub settled_at: Option<DateTime<Utc>>,
}

struct Row {
    seq: i64,
    id: Uuid,
    user_id: Uuid,
    kind: String,
    payload: String,
    created_at: DateTime<Utc>,
    state: String,
    refusal: Option<String>,
    settled_at: Option<DateTime<Utc>>,
}

impl From<Row> for Entry {
    fn from(r: Row) -> Entry {
        Entry {
            seq: r.seq,
            id: r.id,
            user_id: r.user_id,
            kind: r.kind,
            payload: r.payload,
            created_at: r.created_at,
            state: State::parse(&r.state),
            refusal: r.refusal,
            settled_at: r.settled_at,
        }
    }
}

/// Stores a write to send later. The same id twice (a double click) stores it once; the answer
/// says whether this call stored it.
pub async fn push(
    store: &Store,
    id: Uuid,
    user_id: Uuid,
    kind: &str,
    payload: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    let done = sqlx::query!(
        "INSERT INTO outbox (id, user_id, kind, payload, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING",
        id,
        user_id,
        kind,
        payload,
        at
    )
    .execute(store.pool())
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Writes not settled yet (pending and conflicts), oldest first.
pub async fn open(store: &Store) -> Result<Vec<Entry>> {
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT seq AS "seq!", id AS "id: Uuid", user_id AS "user_id: Uuid", kind, payload,
                  created_at AS "created_at: DateTime<Utc>", state, refusal,
                  settled_at AS "settled_at: DateTime<Utc>"
           FROM outbox WHERE state IN ('pending', 'conflict') ORDER BY seq"#
    )
    .fetch_all(store.pool())
    .await?;
    Ok(rows.into_iter().map(Entry::from).collect())
}

pub async fn find(store: &Store, id: Uuid) -> Result<Option<Entry>> {
    let row = sqlx::query_as!(
        Row,
        r#"SELECT seq AS "seq!", id AS "id: Uuid", user_id AS "user_id: Uuid", kind, payload,
                  created_at AS "created_at: DateTime<Utc>", state, refusal,
                  settled_at AS "settled_at: DateTime<Utc>"
           FROM outbox WHERE id = $1"#,
        id
    )
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map(Entry::from))
}

/// Moves a write to `state` (landed, refused, or given up), with the refusal or reason if any.
pub async fn settle(store: &Store, id: Uuid, state: State, refusal: Option<&str>, at: DateTime<Utc>) -> Result<()> {
    let key = state.key();
    sqlx::query!("UPDATE outbox SET state = $2, refusal = $3, settled_at = $4 WHERE id = $1", id, key, refusal, at)
        .execute(store.pool())
        .await?;
    Ok(())
}

/// Replaces a refused write's input with a corrected one and queues it again (a person chose
/// another slot, say). It keeps its place in the order.
pub async fn amend(store: &Store, id: Uuid, payload: &str) -> Result<()> {
    sqlx::query!(
        "UPDATE outbox SET payload = $2, state = 'pending', refusal = NULL, settled_at = NULL WHERE id = $1",
        id,
        payload
    )
    .execute(store.pool())
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_keep_their_order_and_a_repeated_id_is_stored_once() {
        let (store, _dir) = crate::testing::store().await;
        let user = Uuid::now_v7();
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let at = Utc::now();
        assert!(push(&store, b, user, "book", "{\"n\":1}", at).await.unwrap());
        assert!(push(&store, a, user, "pay", "{}", at).await.unwrap());
        assert!(!push(&store, b, user, "book", "{\"n\":2}", at).await.unwrap(), "the same write twice");
        assert!(push(&store, c, user, "book", "{}", at).await.unwrap());
        let order: Vec<Uuid> = open(&store).await.unwrap().iter().map(|e| e.id).collect();
        assert_eq!(order, [b, a, c], "the order they were made in, not their ids'");
        assert_eq!(find(&store, b).await.unwrap().unwrap().payload, "{\"n\":1}");

        settle(&store, b, State::Landed, None, at).await.unwrap();
        settle(&store, a, State::Conflict, Some("{\"kind\":\"slotTaken\"}"), at).await.unwrap();
        let open_now = open(&store).await.unwrap();
        assert_eq!(
            open_now.iter().map(|e| (e.id, e.state)).collect::<Vec<_>>(),
            [(a, State::Conflict), (c, State::Pending)]
        );
        assert_eq!(open_now[0].refusal.as_deref(), Some("{\"kind\":\"slotTaken\"}"));

        amend(&store, a, "{\"moved\":true}").await.unwrap();
        let a_now = find(&store, a).await.unwrap().unwrap();
        assert_eq!((a_now.state, a_now.refusal, a_now.payload.as_str()), (State::Pending, None, "{\"moved\":true}"));
        settle(&store, c, State::Discarded, Some("{\"reason\":\"duplicada\"}"), at).await.unwrap();
        assert_eq!(open(&store).await.unwrap().len(), 1);
        assert_eq!(find(&store, b).await.unwrap().unwrap().state, State::Landed, "nothing is deleted");
    }

    #[tokio::test]
    async fn a_stored_write_survives_closing_and_reopening() {
        let (store, dir) = crate::testing::store().await;
        let id = Uuid::now_v7();
        push(&store, id, Uuid::now_v7(), "book", "{}", Utc::now()).await.unwrap();
        store.close().await;
        let again = Store::open(&dir.path().join("desk")).await.unwrap();
        assert_eq!(open(&again).await.unwrap()[0].id, id);
    }
}
