//! Whole answers kept as they came from the server (podiatrists, schedules, the catalog, the desk's
//! cash session), each under a key, with the time it was fetched: what the desk shows offline and
//! how old it is.

use chrono::{DateTime, Utc};

use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub body: String,
    pub fetched_at: DateTime<Utc>,
}

pub async fn put(store: &Store, key: &str, body: &str, fetched_at: DateTime<Utc>) -> Result<()> {
    sqlx::query!(
        "INSERT INTO views (key, body, fetched_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
        key,
        body,
        fetched_at
    )
    .execute(store.pool())
    .await?;
    Ok(())
}

pub async fn get(store: &Store, key: &str) -> Result<Option<View>> {
    sqlx::query_as!(View, r#"SELECT body, fetched_at AS "fetched_at: DateTime<Utc>" FROM views WHERE key = $1"#, key)
        .fetch_optional(store.pool())
        .await
}

pub async fn remove(store: &Store, key: &str) -> Result<()> {
    sqlx::query!("DELETE FROM views WHERE key = $1", key).execute(store.pool()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_view_reads_back_with_its_age() {
        let (store, _dir) = crate::testing::store().await;
        assert_eq!(super::get(&store, "catalog").await.unwrap(), None);
        let at = chrono::Utc::now();
        super::put(&store, "catalog", "[1]", at - chrono::Duration::hours(1)).await.unwrap();
        super::put(&store, "catalog", "[1,2]", at).await.unwrap();
        let view = super::get(&store, "catalog").await.unwrap().unwrap();
        assert_eq!(view.body, "[1,2]");
        assert_eq!(view.fetched_at, at);
        super::remove(&store, "catalog").await.unwrap();
        assert_eq!(super::get(&store, "catalog").await.unwrap(), None);
    }
}
