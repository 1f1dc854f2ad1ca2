//! Signing in at the desk while the server is away, and proving it to the server when it is back.
//!
//! A user who signed in here with the server is remembered in the desk's store with their outbox
//! key sealed under their password (`proof`): no password hash is kept, and opening the seal is the
//! check. Such a sign-in is limited: when the server answers again the same user must give the
//! password to the server ("Conectado de nuevo") before anything else is done or sent in their
//! name. Offline failures count and lock as at the server, and reach the server's audit when it is
//! back. A remembered sign-in lasts the clinic's `offline_sign_in_days`, and every refresh drops
//! one whose password, role or active flag changed since.

use chrono::{Duration, Utc};
use uuid::Uuid;

use super::outbox::OfflineFailure;
use super::proof::{self, OutboxKey, Sealed};
use super::{DeskStore, fault};
use crate::state::AppState;
use podoclinic_clinic::auth::service::{self, MAX_FAILURES, Purpose, lockout_minutes};
use podoclinic_clinic::auth::{Permission, Session, password};
use podoclinic_clinic::error::{AppError, AppResult};
use podoclinic_store::sign_ins::SignIn;

/// How long a remembered sign-in may open the desk without the server when the desk has not read
/// the clinic's own setting yet.
pub const DEFAULT_DAYS: i64 = 7;

/// A sign-in the desk let through, and whether the server checked it.
#[derive(Debug, Clone)]
pub struct Checked {
    pub session: Session,
    /// `false`: checked against the desk's store only; the session is limited until the server
    /// confirms the password.
    pub by_server: bool,
}

impl DeskStore {
    /// Remembers a user who just signed in with the server: their key sealed under the password
    /// they typed, their grants and idle limit. The key is kept in memory for their writes.
    pub async fn remember(&self, session: &Session, typed: &str, key: OutboxKey) -> AppResult<()> {
        let Sealed { salt, sealed } = key.seal(typed).await?;
        let sign_in = SignIn {
            username: session.username.clone(),
            user_id: session.user_id,
            display_name: session.display_name.clone(),
            permissions: serde_json::to_string(&session.permissions).map_err(AppError::internal)?,
            idle_minutes: session.idle_limit.num_minutes(),
            saved_at: Utc::now(),
            generation: key.generation,
            salt,
            sealed_key: sealed,
            failures: 0,
            locked_until: None,
            lockouts: 0,
        };
        self.hold_key(key);
        podoclinic_store::sign_ins::remember(&self.store, &sign_in).await.map_err(fault)
    }

    /// How many days a remembered sign-in lasts: the clinic's setting as last read.
    async fn offline_days(&self) -> i64 {
        match self.view::<podoclinic_clinic::profile::model::ClinicProfile>(super::View::Clinic).await {
            Ok(profile) => profile.offline_sign_in_days.into(),
            Err(_) => DEFAULT_DAYS,
        }
    }

    /// Checks `typed` against the desk's memory of `username`: a limited session and the user's
    /// key, or the refusal (each failure kept for the server's audit, and counted).
    async fn check(&self, username: &str, typed: &str, purpose: Purpose) -> AppResult<Session> {
        let username = username.trim().to_lowercase();
        let found = podoclinic_store::sign_ins::find(&self.store, &username).await.map_err(fault)?;
        let now = Utc::now();
        let days = self.offline_days().await;
        let Some(known) = found.filter(|s| now - s.saved_at < Duration::days(days)) else {
            password::burn_time(typed).await;
            self.failed(None, &username, OfflineFailure::UnknownUser, purpose).await?;
            return Err(AppError::InvalidCredentials);
        };
        let sealed = Sealed { salt: known.salt.clone(), sealed: known.sealed_key.clone() };
        let key = OutboxKey::unseal(known.user_id, known.generation, &sealed, typed).await?;
        if let Some(until) = known.locked_until.filter(|u| *u > now) {
            self.failed(Some(known.user_id), &username, OfflineFailure::LockedOut, purpose).await?;
            return Err(match key {
                Some(_) => AppError::LockedOut { until: until.to_rfc3339() },
                None => AppError::InvalidCredentials,
            });
        }
        let Some(key) = key else {
            let failures = podoclinic_store::sign_ins::failed(&self.store, &username, None).await.map_err(fault)?;
            if failures >= MAX_FAILURES {
                let until = now + Duration::minutes(lockout_minutes(known.lockouts as i32).into());
                podoclinic_store::sign_ins::failed(&self.store, &username, Some(until)).await.map_err(fault)?;
                tracing::warn!(user_id = %known.user_id, "offline sign-in locked after repeated failures");
            }
            self.failed(Some(known.user_id), &username, OfflineFailure::WrongPassword, purpose).await?;
            return Err(AppError::InvalidCredentials);
        };
        podoclinic_store::sign_ins::succeeded(&self.store, &username).await.map_err(fault)?;
        let permissions: Vec<Permission> = serde_json::from_str(&known.permissions).map_err(AppError::internal)?;
        self.hold_key(key);
        Ok(Session {
            user_id: known.user_id,
            username: known.username,
            display_name: known.display_name,
            permissions,
            started_at: now,
            last_activity: now,
            idle_limit: Duration::minutes(known.idle_minutes),
            locked: false,
            grants_checked_at: now,
        })
    }

    /// Keeps a failed offline attempt for the server's audit (the desk reports it; nobody signed).
    async fn failed(&self, user: Option<Uuid>, username: &str, why: OfflineFailure, purpose: Purpose) -> AppResult<()> {
        let typed = podoclinic_clinic::audit::digest(username)[..8].to_string();
        let write = super::outbox::Write::SignInFailed {
            unlock: purpose == Purpose::Unlock,
            reason: why,
            typed,
            at: Utc::now(),
        };
        self.push_unproved(Uuid::now_v7(), user.unwrap_or(Uuid::nil()), &write).await
    }

    /// Drops every remembered sign-in the server would not let in as it is: the user is gone or
    /// inactive, or their password, role or grants changed since the desk remembered them.
    pub(crate) async fn forget_changed(&self, pool: &sqlx::PgPool) -> AppResult<()> {
        let known = podoclinic_store::sign_ins::all(&self.store).await.map_err(fault)?;
        let ids: Vec<Uuid> = known.iter().map(|k| k.user_id).collect();
        let now = proof::credentials(pool, &ids).await?;
        for k in known {
            let same_credentials =
                now.iter().any(|(id, generation, active)| *id == k.user_id && *generation == k.generation && *active);
            let same_grants = match service::current_grants(pool, k.user_id).await? {
                Some((permissions, _)) => {
                    let kept: Vec<Permission> = serde_json::from_str(&k.permissions).unwrap_or_default();
                    let mut a = kept.iter().map(|p| p.key()).collect::<Vec<_>>();
                    let mut b = permissions.iter().map(|p| p.key()).collect::<Vec<_>>();
                    a.sort_unstable();
                    b.sort_unstable();
                    a == b
                }
                None => false,
            };
            if !(same_credentials && same_grants) {
                tracing::info!(user_id = %k.user_id, "offline sign-in dropped: the server's account changed");
                podoclinic_store::sign_ins::forget(&self.store, &k.username).await.map_err(fault)?;
            }
        }
        Ok(())
    }
}

/// The signed-in user confirms a grave step (signing a consent letter, deleting a record) with
/// their password, checked as an unlock is (failures count toward the lockout); a wrong one is
/// the `password` field's error.
pub async fn confirm_step(state: &AppState, typed: String) -> AppResult<()> {
    let session = state.sessions.peek().ok_or(AppError::Unauthorized)?;
    authenticate(state, session.username, typed, Purpose::Unlock).await.map(drop).map_err(|e| match e {
        AppError::InvalidCredentials => AppError::validation("password", "wrong_password"),
        other => other,
    })
}

/// Checks a sign-in (or an unlock) with the server, or without it against the desk's memory.
/// With the server, a successful sign-in is remembered (its key sealed) for the next outage.
pub async fn authenticate(state: &AppState, username: String, typed: String, purpose: Purpose) -> AppResult<Checked> {
    let online = state
        .run_before_session((username.clone(), typed.clone()), |desk, (username, typed)| async move {
            let session = service::authenticate(&desk, &username, &typed, purpose).await?;
            let key = proof::from_server(&desk.pool, session.user_id, None).await?;
            Ok((session, key))
        })
        .await;
    let offline = state.store.get();
    match online {
        Ok((session, key)) => {
            if let (Some(offline), Some(key)) = (offline, key) {
                // The server said yes: a fault of the desk's own store only costs the next outage's
                // offline sign-in, never this one.
                if let Err(e) = offline.remember(&session, &typed, key).await {
                    tracing::warn!(error = %e, "sign-in not remembered for an outage");
                }
                // The server heard the password: what the user kept unconfirmed here may go.
                if let Err(e) = offline.confirm_author(session.user_id).await {
                    tracing::warn!(error = %e, "kept writes not confirmed");
                }
            }
            Ok(Checked { session, by_server: true })
        }
        Err(AppError::Offline) => {
            let offline = offline.ok_or(AppError::Offline)?;
            match offline.check(&username, &typed, purpose).await {
                Ok(session) => {
                    tracing::info!(user_id = %session.user_id, ?purpose, "signed in without the server");
                    // Audited on the server when it is back, like any sign-in.
                    let write = super::outbox::Write::SignIn { unlock: purpose == Purpose::Unlock, at: Utc::now() };
                    offline.push(Uuid::now_v7(), session.user_id, &write, false).await?;
                    Ok(Checked { session, by_server: false })
                }
                Err(e) => {
                    tokio::time::sleep(state.login_throttle.failed()).await;
                    Err(e)
                }
            }
        }
        Err(e) => Err(e),
    }
}

/// After the signed-in user changed their password: the desk keeps their new generation's key,
/// sealed under the new password (a failure only costs the next outage's offline sign-in).
pub async fn remember_current(state: &AppState, typed: &str) {
    let (Some(session), Some(offline)) = (state.sessions.peek(), state.store.get()) else { return };
    let remembered = async {
        let pool = state.db()?;
        let key = proof::from_server(&pool, session.user_id, None).await?.ok_or_else(|| AppError::not_found("user"))?;
        offline.remember(&session, typed, key).await
    };
    if let Err(e) = remembered.await {
        tracing::warn!(error = %e, "new password not remembered for an outage");
    }
}

/// "Conectado de nuevo": the user of a session begun without the server gives their password to
/// the server. Checked by the server as a sign-in (its failures count toward the lockout); on
/// success the session is whole again, with the server's grants, and what the user kept here is
/// sent. Nothing typed is lost: the screen stays as it was under the prompt.
pub async fn confirm(state: &AppState, typed: String) -> AppResult<Session> {
    let limited = state.sessions.peek().ok_or(AppError::Unauthorized)?;
    let checked = authenticate(state, limited.username.clone(), typed, Purpose::Login).await?;
    if !checked.by_server {
        return Err(AppError::Offline);
    }
    if checked.session.user_id != limited.user_id {
        return Err(AppError::InvalidCredentials);
    }
    let session = state.sessions.confirm(checked.session, Utc::now())?;
    if let Some(offline) = state.store.get() {
        offline.kick.notify_one();
    }
    Ok(session)
}
