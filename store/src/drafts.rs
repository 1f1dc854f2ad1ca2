//! Forms being filled, per user and form (and the record the form is about): saved as the user
//! types, brought back after an idle lock, an expired session, a crash or a restart.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Result, Store};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub form: String,
    /// The record the form is about (a visit's id), or "" for a new one.
    pub subject: String,
    /// The form's fields as the UI sent them (JSON).
    pub body: String,
    pub saved_at: DateTime<Utc>,
}

pub async fn save(store: &Store, user_id: Uuid, draft: &Draft) -> Result<()> {
    sqlx::query!(
        "INSERT INTO drafts (user_id, form, subject, body, saved_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, form, subject) DO UPDATE SET body = excluded.body, saved_at = excluded.saved_at",
        user_id,
        draft.form,
        draft.subject,
        draft.body,
        draft.saved_at
    )
    .execute(store.pool())
    .await?;
    Ok(())
}

pub async fn find(store: &Store, user_id: Uuid, form: &str, subject: &str) -> Result<Option<Draft>> {
    sqlx::query_as!(
        Draft,
        r#"SELECT form, subject, body, saved_at AS "saved_at: DateTime<Utc>"
           FROM drafts WHERE user_id = $1 AND form = $2 AND subject = $3"#,
        user_id,
        form,
        subject
    )
    .fetch_optional(store.pool())
    .await
}

/// The user's drafts, newest first.
pub async fn list(store: &Store, user_id: Uuid) -> Result<Vec<Draft>> {
    sqlx::query_as!(
        Draft,
        r#"SELECT form, subject, body, saved_at AS "saved_at: DateTime<Utc>"
           FROM drafts WHERE user_id = $1 ORDER BY saved_at DESC"#,
        user_id
    )
    .fetch_all(store.pool())
    .await
}

/// Forgets every draft last saved before `before` (a form nobody came back to).
pub async fn expire(store: &Store, before: DateTime<Utc>) -> Result<u64> {
    let done = sqlx::query!("DELETE FROM drafts WHERE saved_at < $1", before).execute(store.pool()).await?;
    Ok(done.rows_affected())
}

/// The form was saved or abandoned: its draft goes.
pub async fn clear(store: &Store, user_id: Uuid, form: &str, subject: &str) -> Result<()> {
    sqlx::query!("DELETE FROM drafts WHERE user_id = $1 AND form = $2 AND subject = $3", user_id, form, subject)
        .execute(store.pool())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_draft_belongs_to_its_user_and_form() {
        let (store, _dir) = crate::testing::store().await;
        let (ana, luis) = (Uuid::now_v7(), Uuid::now_v7());
        let at = Utc::now();
        let note =
            Draft { form: "visit".into(), subject: "v1".into(), body: "{\"notes\":\"uña\"}".into(), saved_at: at };
        save(&store, ana, &note).await.unwrap();
        save(&store, ana, &Draft { body: "{\"notes\":\"uña encarnada\"}".into(), ..note.clone() }).await.unwrap();
        assert_eq!(find(&store, luis, "visit", "v1").await.unwrap(), None, "another user's draft is not shown");
        assert_eq!(find(&store, ana, "visit", "v1").await.unwrap().unwrap().body, "{\"notes\":\"uña encarnada\"}");
        assert_eq!(list(&store, ana).await.unwrap().len(), 1);
        assert_eq!(expire(&store, at).await.unwrap(), 0, "saved at `at`, not before it");
        clear(&store, ana, "visit", "v1").await.unwrap();
        assert!(list(&store, ana).await.unwrap().is_empty());
        save(&store, luis, &Draft { saved_at: at - chrono::Duration::days(8), ..note.clone() }).await.unwrap();
        assert_eq!(expire(&store, at - chrono::Duration::days(7)).await.unwrap(), 1);
        assert!(list(&store, luis).await.unwrap().is_empty());
    }
}
