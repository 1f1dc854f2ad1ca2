//! The agenda kept on the desk: every podiatrist's appointments from today to a week ahead, each
//! stored whole (the core's `Appointment` as JSON) and placed in time for range reads.

use uuid::Uuid;

use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: Uuid,
    pub podiatrist_id: Uuid,
    /// Minutes since the Unix epoch.
    pub starts_min: i64,
    pub ends_min: i64,
    /// The appointment, as the core serializes it.
    pub body: String,
    /// Booked or changed here while the server was away; not on the server yet.
    pub pending: bool,
}

/// Replaces what came from the server for appointments starting in `[from_min, to_min)` (a full
/// refresh of the window), in one transaction. Pending entries stay.
pub async fn replace(store: &Store, from_min: i64, to_min: i64, entries: &[Entry]) -> Result<()> {
    let mut tx = store.pool().begin().await?;
    sqlx::query!("DELETE FROM agenda WHERE pending = 0 AND starts_min >= $1 AND starts_min < $2", from_min, to_min)
        .execute(&mut *tx)
        .await?;
    for e in entries {
        insert(&mut tx, e).await?;
    }
    tx.commit().await
}

/// Replaces one podiatrist's appointments in the window (another desk changed that agenda).
pub async fn replace_podiatrist(
    store: &Store,
    podiatrist_id: Uuid,
    from_min: i64,
    to_min: i64,
    entries: &[Entry],
) -> Result<()> {
    let mut tx = store.pool().begin().await?;
    sqlx::query!(
        "DELETE FROM agenda WHERE pending = 0 AND podiatrist_id = $1 AND starts_min >= $2 AND starts_min < $3",
        podiatrist_id,
        from_min,
        to_min
    )
    .execute(&mut *tx)
    .await?;
    for e in entries {
        insert(&mut tx, e).await?;
    }
    tx.commit().await
}

/// Adds or replaces one appointment (a write made here, pending or landed).
pub async fn upsert(store: &Store, e: &Entry) -> Result<()> {
    let mut conn = store.pool().acquire().await?;
    insert(&mut conn, e).await
}

async fn insert(conn: &mut sqlx::SqliteConnection, e: &Entry) -> Result<()> {
    sqlx::query!(
        "INSERT INTO agenda (id, podiatrist_id, starts_min, ends_min, body, pending) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO UPDATE SET podiatrist_id = excluded.podiatrist_id, starts_min = excluded.starts_min,
             ends_min = excluded.ends_min, body = excluded.body, pending = excluded.pending",
        e.id,
        e.podiatrist_id,
        e.starts_min,
        e.ends_min,
        e.body,
        e.pending
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Appointments overlapping `[from_min, to_min)`, by start.
pub async fn range(store: &Store, from_min: i64, to_min: i64) -> Result<Vec<Entry>> {
    // Appointments last at most a working day: a start up to a day before `from` can still overlap.
    sqlx::query_as!(
        Entry,
        r#"SELECT id AS "id: Uuid", podiatrist_id AS "podiatrist_id: Uuid", starts_min, ends_min, body,
                  pending AS "pending: bool"
           FROM agenda WHERE starts_min >= $1 - 1440 AND starts_min < $2 AND ends_min > $1
           ORDER BY starts_min, id"#,
        from_min,
        to_min
    )
    .fetch_all(store.pool())
    .await
}

pub async fn find(store: &Store, id: Uuid) -> Result<Option<Entry>> {
    sqlx::query_as!(
        Entry,
        r#"SELECT id AS "id: Uuid", podiatrist_id AS "podiatrist_id: Uuid", starts_min, ends_min, body,
                  pending AS "pending: bool"
           FROM agenda WHERE id = $1"#,
        id
    )
    .fetch_optional(store.pool())
    .await
}

/// Forgets one appointment (a write made here was settled: the server's version replaces it).
pub async fn remove(store: &Store, id: Uuid) -> Result<()> {
    sqlx::query!("DELETE FROM agenda WHERE id = $1", id).execute(store.pool()).await?;
    Ok(())
}

/// Forgets what ended before `before_min` (yesterday's appointments), pending ones excepted.
pub async fn prune(store: &Store, before_min: i64) -> Result<()> {
    sqlx::query!("DELETE FROM agenda WHERE pending = 0 AND ends_min < $1", before_min).execute(store.pool()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(podiatrist_id: Uuid, starts_min: i64, pending: bool) -> Entry {
        Entry { id: Uuid::now_v7(), podiatrist_id, starts_min, ends_min: starts_min + 30, body: "{}".into(), pending }
    }

    #[tokio::test]
    async fn refreshes_replace_the_window_and_keep_what_was_typed_here() {
        let (store, _dir) = crate::testing::store().await;
        let (ana, luis) = (Uuid::now_v7(), Uuid::now_v7());
        let old_ana = entry(ana, 1_000, false);
        let old_luis = entry(luis, 1_100, false);
        let pending = entry(ana, 1_200, true);
        let outside = entry(ana, 9_000, false);
        replace(&store, 0, 10_000, &[old_ana.clone(), old_luis.clone(), outside.clone()]).await.unwrap();
        upsert(&store, &pending).await.unwrap();

        let fresh_ana = entry(ana, 1_030, false);
        replace_podiatrist(&store, ana, 0, 2_000, std::slice::from_ref(&fresh_ana)).await.unwrap();
        let ids: Vec<Uuid> = range(&store, 0, 2_000).await.unwrap().into_iter().map(|e| e.id).collect();
        assert_eq!(ids, [fresh_ana.id, old_luis.id, pending.id], "Luis's agenda and the pending booking stay");
        assert_eq!(find(&store, outside.id).await.unwrap(), Some(outside.clone()), "outside the window: untouched");

        // An appointment that started before the range but runs into it is part of it.
        assert_eq!(range(&store, 1_040, 1_045).await.unwrap().len(), 1);
        prune(&store, 2_000).await.unwrap();
        let left: Vec<Uuid> = range(&store, 0, 10_000).await.unwrap().into_iter().map(|e| e.id).collect();
        assert_eq!(left, [pending.id, outside.id]);
    }
}
