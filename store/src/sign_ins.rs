//! Who may sign in at this desk while the server is away: each user who signed in here with the
//! server, with their outbox key sealed under their password (no password hash is kept), the
//! grants of that time, and failed offline attempts (which lock as at the server). The desk drops
//! a user whose password, role or active state changed at its next refresh.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    pub username: String,
    pub user_id: Uuid,
    pub display_name: String,
    /// Permission keys as JSON.
    pub permissions: String,
    pub idle_minutes: i64,
    pub saved_at: DateTime<Utc>,
    /// The server's generation of the user's credentials the sealed key belongs to.
    pub generation: i64,
    pub salt: Vec<u8>,
    pub sealed_key: Vec<u8>,
    pub failures: i64,
    pub locked_until: Option<DateTime<Utc>>,
    /// Lockouts imposed here since the user's last good sign-in (each doubles the next).
    pub lockouts: i64,
}

/// Remembers a user who signed in with the server (their failures forgotten).
pub async fn remember(store: &Store, s: &SignIn) -> Result<()> {
    sqlx::query!(
        "INSERT INTO sign_ins (username, user_id, display_name, permissions, idle_minutes, saved_at, generation,
                               salt, sealed_key, failures, locked_until, lockouts)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, NULL, 0)
         ON CONFLICT (username) DO UPDATE SET user_id = excluded.user_id, display_name = excluded.display_name,
             permissions = excluded.permissions, idle_minutes = excluded.idle_minutes, saved_at = excluded.saved_at,
             generation = excluded.generation, salt = excluded.salt, sealed_key = excluded.sealed_key,
             failures = 0, locked_until = NULL, lockouts = 0",
        s.username,
        s.user_id,
        s.display_name,
        s.permissions,
        s.idle_minutes,
        s.saved_at,
        s.generation,
        s.salt,
        s.sealed_key
    )
    .execute(store.pool())
    .await?;
    Ok(())
}

pub async fn find(store: &Store, username: &str) -> Result<Option<SignIn>> {
    sqlx::query_as!(
        SignIn,
        r#"SELECT username, user_id AS "user_id: Uuid", display_name, permissions, idle_minutes,
                  saved_at AS "saved_at: DateTime<Utc>", generation, salt, sealed_key, failures,
                  locked_until AS "locked_until: DateTime<Utc>", lockouts
           FROM sign_ins WHERE username = $1"#,
        username
    )
    .fetch_optional(store.pool())
    .await
}

/// Every remembered user (the refresh checks each against the server).
pub async fn all(store: &Store) -> Result<Vec<SignIn>> {
    sqlx::query_as!(
        SignIn,
        r#"SELECT username, user_id AS "user_id: Uuid", display_name, permissions, idle_minutes,
                  saved_at AS "saved_at: DateTime<Utc>", generation, salt, sealed_key, failures,
                  locked_until AS "locked_until: DateTime<Utc>", lockouts
           FROM sign_ins ORDER BY username"#
    )
    .fetch_all(store.pool())
    .await
}

/// Counts a failed offline attempt; `lock_until` locks the sign-in (and starts the count again).
/// Returns the failures counted so far.
pub async fn failed(store: &Store, username: &str, lock_until: Option<DateTime<Utc>>) -> Result<i64> {
    let row = sqlx::query_scalar!(
        r#"UPDATE sign_ins SET failures = CASE WHEN $2 IS NULL THEN failures + 1 ELSE 0 END,
                              locked_until = coalesce($2, locked_until),
                              lockouts = lockouts + CASE WHEN $2 IS NULL THEN 0 ELSE 1 END
           WHERE username = $1 RETURNING failures AS "failures!""#,
        username,
        lock_until
    )
    .fetch_optional(store.pool())
    .await?;
    Ok(row.unwrap_or(0))
}

/// A good offline sign-in forgets the failures before it.
pub async fn succeeded(store: &Store, username: &str) -> Result<()> {
    sqlx::query!("UPDATE sign_ins SET failures = 0, locked_until = NULL, lockouts = 0 WHERE username = $1", username)
        .execute(store.pool())
        .await?;
    Ok(())
}

pub async fn forget(store: &Store, username: &str) -> Result<()> {
    sqlx::query!("DELETE FROM sign_ins WHERE username = $1", username).execute(store.pool()).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sign_in_is_remembered_counted_locked_and_forgotten() {
        let (store, _dir) = crate::testing::store().await;
        let s = SignIn {
            username: "ana".into(),
            user_id: Uuid::now_v7(),
            display_name: "Ana".into(),
            permissions: "[\"patients.read\"]".into(),
            idle_minutes: 5,
            saved_at: Utc::now(),
            generation: 1,
            salt: vec![1; 16],
            sealed_key: vec![2; 60],
            failures: 0,
            locked_until: None,
            lockouts: 0,
        };
        remember(&store, &s).await.unwrap();
        assert_eq!(failed(&store, "ana", None).await.unwrap(), 1);
        assert_eq!(failed(&store, "ana", None).await.unwrap(), 2);
        let until = Utc::now() + chrono::Duration::minutes(15);
        assert_eq!(failed(&store, "ana", Some(until)).await.unwrap(), 0);
        let locked = find(&store, "ana").await.unwrap().unwrap();
        assert!(locked.locked_until.is_some());
        assert_eq!(locked.lockouts, 1, "one lockout counted");
        failed(&store, "ana", Some(until)).await.unwrap();
        assert_eq!(find(&store, "ana").await.unwrap().unwrap().lockouts, 2);
        assert_eq!(failed(&store, "nadie", None).await.unwrap(), 0, "no such sign-in");
        succeeded(&store, "ana").await.unwrap();
        let good = find(&store, "ana").await.unwrap().unwrap();
        assert_eq!((good.locked_until, good.lockouts), (None, 0), "a good sign-in forgets the repeats");
        failed(&store, "ana", None).await.unwrap();
        remember(&store, &SignIn { idle_minutes: 10, generation: 2, ..s.clone() }).await.unwrap();
        let again = find(&store, "ana").await.unwrap().unwrap();
        assert_eq!((again.idle_minutes, again.generation, again.failures), (10, 2, 0));
        assert_eq!(all(&store).await.unwrap().len(), 1);
        forget(&store, "ana").await.unwrap();
        assert_eq!(find(&store, "ana").await.unwrap(), None);
    }
}
