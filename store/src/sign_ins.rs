//! Who may sign in at this desk while the server is away: each user who signed in here with the
//! server, with the password's hash (argon2, as the server keeps it) and the grants of that time.
//! The file is the desk user's alone; a user the server deactivates is forgotten at the next sync.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    pub username: String,
    pub user_id: Uuid,
    pub display_name: String,
    pub password_hash: String,
    /// Permission keys as JSON.
    pub permissions: String,
    pub idle_minutes: i64,
    pub saved_at: DateTime<Utc>,
}

pub async fn remember(store: &Store, s: &SignIn) -> Result<()> {
    sqlx::query!(
        "INSERT INTO sign_ins (username, user_id, display_name, password_hash, permissions, idle_minutes, saved_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (username) DO UPDATE SET user_id = excluded.user_id, display_name = excluded.display_name,
             password_hash = excluded.password_hash, permissions = excluded.permissions,
             idle_minutes = excluded.idle_minutes, saved_at = excluded.saved_at",
        s.username,
        s.user_id,
        s.display_name,
        s.password_hash,
        s.permissions,
        s.idle_minutes,
        s.saved_at
    )
    .execute(store.pool())
    .await?;
    Ok(())
}

pub async fn find(store: &Store, username: &str) -> Result<Option<SignIn>> {
    sqlx::query_as!(
        SignIn,
        r#"SELECT username, user_id AS "user_id: Uuid", display_name, password_hash, permissions, idle_minutes,
                  saved_at AS "saved_at: DateTime<Utc>"
           FROM sign_ins WHERE username = $1"#,
        username
    )
    .fetch_optional(store.pool())
    .await
}

/// Every remembered user (the sync checks each is still active).
pub async fn all(store: &Store) -> Result<Vec<SignIn>> {
    sqlx::query_as!(
        SignIn,
        r#"SELECT username, user_id AS "user_id: Uuid", display_name, password_hash, permissions, idle_minutes,
                  saved_at AS "saved_at: DateTime<Utc>"
           FROM sign_ins ORDER BY username"#
    )
    .fetch_all(store.pool())
    .await
}

pub async fn forget(store: &Store, username: &str) -> Result<()> {
    sqlx::query!("DELETE FROM sign_ins WHERE username = $1", username).execute(store.pool()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sign_in_is_remembered_updated_and_forgotten() {
        let (store, _dir) = crate::testing::store().await;
        let s = SignIn {
            username: "ana".into(),
            user_id: Uuid::now_v7(),
            display_name: "Ana".into(),
            password_hash: "$argon2id$v=19$...".into(),
            permissions: "[\"patients.read\"]".into(),
            idle_minutes: 5,
            saved_at: Utc::now(),
        };
        remember(&store, &s).await.unwrap();
        remember(&store, &SignIn { idle_minutes: 10, ..s.clone() }).await.unwrap();
        assert_eq!(find(&store, "ana").await.unwrap().unwrap().idle_minutes, 10);
        assert_eq!(all(&store).await.unwrap().len(), 1);
        forget(&store, "ana").await.unwrap();
        assert_eq!(find(&store, "ana").await.unwrap(), None);
    }
}
