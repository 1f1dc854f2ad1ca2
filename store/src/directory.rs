//! The patient directory: name, phone, birth date and the risk flag of every active patient, for
//! search as you type (online and offline) and for what the desk shows while the server is away.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::{Result, Store};

/// One patient as the desk's directory holds it (filled from the server's `patients` or typed at
/// the desk): what search as you type reads, online and offline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub id: Uuid,
    pub full_name: String,
    pub birth_date: Option<NaiveDate>,
    pub phone: String,
    pub at_risk: bool,
    /// Lowercase without accents, as the server's `search_name`.
    pub search_name: String,
    /// The phone's digits.
    pub search_phone: String,
    /// Registered at the desk while the server was away; not on the server yet.
    pub pending: bool,
}

/// Every entry (the desk loads them into its search index at start).
pub async fn all(store: &Store) -> Result<Vec<Listing>> {
    sqlx::query_as!(
        Listing,
        r#"SELECT id AS "id: Uuid", full_name, birth_date AS "birth_date: NaiveDate", phone,
                  at_risk AS "at_risk: bool", search_name, search_phone, pending AS "pending: bool"
           FROM directory"#
    )
    .fetch_all(store.pool())
    .await
}

/// Replaces what came from the server with `entries` (a full refresh), in one transaction.
/// Entries registered here and not yet sent stay.
pub async fn replace(store: &Store, entries: &[Listing]) -> Result<()> {
    let mut tx = store.pool().begin().await?;
    sqlx::query!("DELETE FROM directory WHERE pending = 0").execute(&mut *tx).await?;
    for e in entries {
        insert(&mut tx, e).await?;
    }
    tx.commit().await
}

/// Adds or updates one entry.
pub async fn upsert(store: &Store, e: &Listing) -> Result<()> {
    let mut conn = store.pool().acquire().await?;
    insert(&mut conn, e).await
}

async fn insert(conn: &mut sqlx::SqliteConnection, e: &Listing) -> Result<()> {
    sqlx::query!(
        "INSERT INTO directory (id, full_name, birth_date, phone, at_risk, search_name, search_phone, pending)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO UPDATE SET full_name = excluded.full_name, birth_date = excluded.birth_date,
             phone = excluded.phone, at_risk = excluded.at_risk, search_name = excluded.search_name,
             search_phone = excluded.search_phone, pending = excluded.pending",
        e.id,
        e.full_name,
        e.birth_date,
        e.phone,
        e.at_risk,
        e.search_name,
        e.search_phone,
        e.pending
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes a patient out of the directory (archived on the server).
pub async fn remove(store: &Store, id: Uuid) -> Result<()> {
    sqlx::query!("DELETE FROM directory WHERE id = $1", id).execute(store.pool()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, pending: bool) -> Listing {
        Listing {
            id: Uuid::now_v7(),
            full_name: name.into(),
            birth_date: NaiveDate::from_ymd_opt(1980, 5, 17),
            phone: "555 123 4567".into(),
            at_risk: true,
            search_name: name.to_lowercase(),
            search_phone: "5551234567".into(),
            pending,
        }
    }

    #[tokio::test]
    async fn a_full_refresh_replaces_the_servers_entries_and_keeps_pending_ones() {
        let (store, _dir) = crate::testing::store().await;
        let old = entry("Ana López", false);
        let typed_here = entry("Luis Pérez", true);
        upsert(&store, &old).await.unwrap();
        upsert(&store, &typed_here).await.unwrap();
        let fresh = entry("Marta Ruiz", false);
        replace(&store, std::slice::from_ref(&fresh)).await.unwrap();
        let mut names: Vec<_> = all(&store).await.unwrap().into_iter().map(|e| e.full_name).collect();
        names.sort();
        assert_eq!(names, ["Luis Pérez", "Marta Ruiz"]);
        let read = all(&store).await.unwrap().into_iter().find(|e| e.id == fresh.id).unwrap();
        assert_eq!(read, fresh, "every field reads back as written");
        remove(&store, fresh.id).await.unwrap();
        assert_eq!(all(&store).await.unwrap().len(), 1);
    }
}
