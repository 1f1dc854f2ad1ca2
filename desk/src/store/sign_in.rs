//! Signing in at the desk while the server is away. A user who signed in here with the server is
//! remembered in the desk's store: a hash of the password made here (argon2, never the server's
//! hash), their grants and idle limit as they were. Without the server, that user (and only that
//! user) may sign in or unlock with the same password; a wrong one waits as at the server. The
//! sync forgets users the server no longer lets in, and a remembered sign-in lasts `KEEP_DAYS`.

use chrono::{Duration, Utc};

use super::{DeskStore, fault};
use crate::state::AppState;
use podoclinic_clinic::auth::service::{self, Purpose};
use podoclinic_clinic::auth::{Permission, Session, password};
use podoclinic_clinic::error::{AppError, AppResult};

/// How long a remembered sign-in may open the desk without the server.
pub const KEEP_DAYS: i64 = 30;

impl DeskStore {
    /// Remembers a user who just signed in with the server, and the password they typed.
    pub async fn remember(&self, session: &Session, typed: &str) -> AppResult<()> {
        let sign_in = podoclinic_store::sign_ins::SignIn {
            username: session.username.clone(),
            user_id: session.user_id,
            display_name: session.display_name.clone(),
            password_hash: password::hash(typed).await?,
            permissions: serde_json::to_string(&session.permissions).map_err(AppError::internal)?,
            idle_minutes: session.idle_limit.num_minutes(),
            saved_at: Utc::now(),
        };
        podoclinic_store::sign_ins::remember(&self.store, &sign_in).await.map_err(fault)
    }

    /// A new session for `username` if the desk remembers them and the password matches.
    async fn check(&self, username: &str, typed: &str) -> AppResult<Option<Session>> {
        let username = username.trim().to_lowercase();
        let found = podoclinic_store::sign_ins::find(&self.store, &username).await.map_err(fault)?;
        let Some(known) = found.filter(|s| Utc::now() - s.saved_at < Duration::days(KEEP_DAYS)) else {
            password::burn_time(typed).await;
            return Ok(None);
        };
        if !password::verify(typed, &known.password_hash).await?.ok {
            return Ok(None);
        }
        let permissions: Vec<Permission> = serde_json::from_str(&known.permissions).map_err(AppError::internal)?;
        let now = Utc::now();
        Ok(Some(Session {
            user_id: known.user_id,
            username: known.username,
            display_name: known.display_name,
            permissions,
            started_at: now,
            last_activity: now,
            idle_limit: Duration::minutes(known.idle_minutes),
            locked: false,
            grants_checked_at: now,
        }))
    }

    /// Forgets whoever the server no longer lets in (deactivated or gone).
    pub(crate) async fn forget_departed(&self, pool: &sqlx::PgPool) -> AppResult<()> {
        for known in podoclinic_store::sign_ins::all(&self.store).await.map_err(fault)? {
            let user = podoclinic_clinic::auth::repo::find_user(pool, known.user_id).await?;
            if !user.is_some_and(|u| u.active && u.username == known.username) {
                podoclinic_store::sign_ins::forget(&self.store, &known.username).await.map_err(fault)?;
            }
        }
        Ok(())
    }
}

/// Checks a sign-in (or an unlock) with the server, or without it against the desk's memory.
/// With the server, a successful sign-in is remembered for the next outage.
pub async fn authenticate(state: &AppState, username: String, typed: String, purpose: Purpose) -> AppResult<Session> {
    let online = state
        .run_before_session((username.clone(), typed.clone()), |desk, (username, typed)| async move {
            service::authenticate(&desk, &username, &typed, purpose).await
        })
        .await;
    let offline = state.store.get();
    match online {
        Ok(session) => {
            if let Some(offline) = offline
                && let Err(e) = offline.remember(&session, &typed).await
            {
                tracing::warn!(error = %e, "sign-in not remembered for an outage");
            }
            Ok(session)
        }
        Err(AppError::Offline) => {
            let offline = offline.ok_or(AppError::Offline)?;
            match offline.check(&username, &typed).await? {
                Some(session) => {
                    tracing::info!(user_id = %session.user_id, ?purpose, "signed in without the server");
                    // Audited on the server when it is back, like any sign-in.
                    let write = super::outbox::Write::SignIn { unlock: purpose == Purpose::Unlock, at: Utc::now() };
                    offline.push(uuid::Uuid::now_v7(), session.user_id, &write).await?;
                    Ok(session)
                }
                None => {
                    tokio::time::sleep(state.login_throttle.failed()).await;
                    Err(AppError::InvalidCredentials)
                }
            }
        }
        Err(e) => Err(e),
    }
}
