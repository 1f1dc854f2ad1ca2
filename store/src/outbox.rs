//! Writes made while the server was away, kept in the order they were made until the server has
//! them. A write is stored (and on disk: synchronous=FULL) before the desk says it is saved here.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Result, Store};

/// Where a write is: waiting to be sent, or refused by the server (a person must decide). A write
/// the server has, or one a person gave up (audited on the server), is deleted from the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Conflict,
}

impl State {
    fn parse(s: &str) -> State {
        match s {
            "conflict" => State::Conflict,
            _ => State::Pending,
        }
    }
}

/// What proves a kept write was made by its author: HMAC-SHA-256 under the author's outbox key of
/// `generation` (see `podoclinic_desk::store::proof`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proof {
    pub generation: i64,
    pub mac: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub seq: i64,
    /// The write's own client-made id.
    pub id: Uuid,
    /// Its author: who typed it, or who amended it last.
    pub user_id: Uuid,
    /// Which write (the core's name for it) and its input as JSON.
    pub kind: String,
    pub payload: String,
    pub created_at: DateTime<Utc>,
    pub state: State,
    /// The server's refusal (the core's error as JSON), for a conflict.
    pub refusal: Option<String>,
    pub settled_at: Option<DateTime<Utc>>,
    /// `None`: a row with no proof (a failed sign-in reported by the desk, or one not made here).
    pub proof: Option<Proof>,
    /// Who typed it first, when another user amended it.
    pub typed_by: Option<Uuid>,
    /// `false`: made in a session the server had not confirmed; it waits for its author.
    pub confirmed: bool,
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
    generation: Option<i64>,
    proof: Option<Vec<u8>>,
    typed_by: Option<Uuid>,
    confirmed: bool,
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
            proof: r.generation.zip(r.proof).map(|(generation, mac)| Proof { generation, mac }),
            typed_by: r.typed_by,
            confirmed: r.confirmed,
        }
    }
}

impl Entry {
    /// The row as it was kept (what its proof covers).
    pub fn as_new(&self) -> New<'_> {
        New {
            id: self.id,
            user_id: self.user_id,
            kind: &self.kind,
            payload: &self.payload,
            at: self.created_at,
            proof: self.proof.as_ref(),
            confirmed: self.confirmed,
        }
    }
}

/// A write to keep: its id, author, kind, input, time, and proof.
#[derive(Debug, Clone, Copy)]
pub struct New<'a> {
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: &'a str,
    pub payload: &'a str,
    pub at: DateTime<Utc>,
    pub proof: Option<&'a Proof>,
    /// Made in a session the server has confirmed (see `Entry::confirmed`).
    pub confirmed: bool,
}

/// Stores a write to send later. The same id twice (a double click) stores it once; the answer
/// says whether this call stored it.
pub async fn push(store: &Store, w: New<'_>) -> Result<bool> {
    let generation = w.proof.map(|p| p.generation);
    let mac = w.proof.map(|p| p.mac.as_slice());
    let done = sqlx::query!(
        "INSERT INTO outbox (id, user_id, kind, payload, created_at, generation, proof, confirmed)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO NOTHING",
        w.id,
        w.user_id,
        w.kind,
        w.payload,
        w.at,
        generation,
        mac,
        w.confirmed
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
                  settled_at AS "settled_at: DateTime<Utc>", generation, proof,
                  typed_by AS "typed_by: Uuid", confirmed AS "confirmed: bool"
           FROM outbox ORDER BY seq"#
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
                  settled_at AS "settled_at: DateTime<Utc>", generation, proof,
                  typed_by AS "typed_by: Uuid", confirmed AS "confirmed: bool"
           FROM outbox WHERE id = $1"#,
        id
    )
    .fetch_optional(store.pool())
    .await?;
    Ok(row.map(Entry::from))
}

/// A write the server refused, with its refusal: it waits for a person.
pub async fn refuse(store: &Store, id: Uuid, refusal: &str, at: DateTime<Utc>) -> Result<()> {
    sqlx::query!("UPDATE outbox SET state = 'conflict', refusal = $2, settled_at = $3 WHERE id = $1", id, refusal, at)
        .execute(store.pool())
        .await?;
    Ok(())
}

/// A write the server has, or one a person gave up (audited on the server): gone from the desk.
pub async fn remove(store: &Store, id: Uuid) -> Result<()> {
    sqlx::query!("DELETE FROM outbox WHERE id = $1", id).execute(store.pool()).await?;
    Ok(())
}

/// `user` gave their password to the server: what they kept in a session it had not confirmed may
/// go.
pub async fn confirm(store: &Store, user: Uuid) -> Result<()> {
    sqlx::query!("UPDATE outbox SET confirmed = 1 WHERE user_id = $1", user).execute(store.pool()).await?;
    Ok(())
}

/// A refused write, corrected and proved by `author` (who becomes its author; `typed_by` keeps who
/// typed it first; `confirmed` says whether the server confirmed the author's session), queued
/// again in its place in the order.
pub async fn amend(store: &Store, id: Uuid, author: Uuid, payload: &str, proof: &Proof, confirmed: bool) -> Result<()> {
    sqlx::query!(
        "UPDATE outbox SET payload = $2, state = 'pending', refusal = NULL, settled_at = NULL,
                typed_by = CASE WHEN user_id = $3 THEN typed_by ELSE coalesce(typed_by, user_id) END,
                user_id = $3, generation = $4, proof = $5, confirmed = $6
         WHERE id = $1",
        id,
        payload,
        author,
        proof.generation,
        proof.mac,
        confirmed
    )
    .execute(store.pool())
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new<'a>(id: Uuid, user: Uuid, kind: &'a str, payload: &'a str, proof: Option<&'a Proof>) -> New<'a> {
        New { id, user_id: user, kind, payload, at: Utc::now(), proof, confirmed: proof.is_some() }
    }

    #[tokio::test]
    async fn writes_keep_their_order_and_a_repeated_id_is_stored_once() {
        let (store, _dir) = crate::testing::store().await;
        let (user, other) = (Uuid::now_v7(), Uuid::now_v7());
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let proof = Proof { generation: 1, mac: vec![7; 32] };
        assert!(push(&store, new(b, user, "book", "{\"n\":1}", Some(&proof))).await.unwrap());
        assert!(push(&store, new(a, user, "pay", "{}", Some(&proof))).await.unwrap());
        assert!(!push(&store, new(b, user, "book", "{\"n\":2}", None)).await.unwrap(), "the same write twice");
        assert!(push(&store, new(c, user, "book", "{}", None)).await.unwrap());
        let order: Vec<Uuid> = open(&store).await.unwrap().iter().map(|e| e.id).collect();
        assert_eq!(order, [b, a, c], "the order they were made in, not their ids'");
        let b_now = find(&store, b).await.unwrap().unwrap();
        assert_eq!((b_now.payload.as_str(), b_now.proof), ("{\"n\":1}", Some(proof.clone())));
        assert_eq!(find(&store, c).await.unwrap().unwrap().proof, None);
        assert!(!find(&store, c).await.unwrap().unwrap().confirmed);
        confirm(&store, user).await.unwrap();
        assert!(find(&store, c).await.unwrap().unwrap().confirmed, "its author confirmed");

        remove(&store, b).await.unwrap();
        refuse(&store, a, "{\"kind\":\"slotTaken\"}", Utc::now()).await.unwrap();
        let open_now = open(&store).await.unwrap();
        assert_eq!(
            open_now.iter().map(|e| (e.id, e.state)).collect::<Vec<_>>(),
            [(a, State::Conflict), (c, State::Pending)]
        );
        assert_eq!(open_now[0].refusal.as_deref(), Some("{\"kind\":\"slotTaken\"}"));
        assert_eq!(find(&store, b).await.unwrap(), None, "a landed write leaves the desk's disk");

        let amended = Proof { generation: 3, mac: vec![9; 32] };
        amend(&store, a, other, "{\"moved\":true}", &amended, true).await.unwrap();
        let a_now = find(&store, a).await.unwrap().unwrap();
        assert_eq!((a_now.state, a_now.refusal, a_now.payload.as_str()), (State::Pending, None, "{\"moved\":true}"));
        assert_eq!((a_now.user_id, a_now.typed_by, a_now.proof), (other, Some(user), Some(amended.clone())));
        refuse(&store, a, "{}", Utc::now()).await.unwrap();
        amend(&store, a, user, "{}", &amended, true).await.unwrap();
        let a_now = find(&store, a).await.unwrap().unwrap();
        assert_eq!((a_now.user_id, a_now.typed_by), (user, Some(user)), "the first typist is kept");
    }

    #[tokio::test]
    async fn a_stored_write_survives_closing_and_reopening() {
        let (store, dir) = crate::testing::store().await;
        let id = Uuid::now_v7();
        push(&store, new(id, Uuid::now_v7(), "book", "{}", None)).await.unwrap();
        store.close().await;
        let again = Store::open(&dir.path().join("desk"), &crate::testing::key()).await.unwrap();
        assert_eq!(open(&again).await.unwrap()[0].id, id);
    }
}
