//! The desk's one signed-in session, shared by its windows. It lives in Rust only; the UI holds
//! no token.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use podoclinic_clinic::auth::{Permission, Session, SessionInfo};
use podoclinic_clinic::error::{AppError, AppResult};
use serde::Serialize;
use uuid::Uuid;

/// What every window of the desk must follow at once: whether someone is signed in, and whether
/// the session is locked (the admin window hides what it shows when the main window locks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SessionState {
    pub signed_in: bool,
    pub locked: bool,
}

/// The one session of this desk, shared by its windows. A std Mutex: it is never held across an await.
pub struct SessionStore {
    inner: Mutex<Option<Session>>,
    /// The session began without the server and its user has not confirmed the password with the
    /// server since: it may work from the desk's store, and nothing more.
    limited: std::sync::atomic::AtomicBool,
    /// Every change of `SessionState`, for the shell to tell the windows.
    pub changes: tokio::sync::watch::Sender<SessionState>,
}

impl Default for SessionStore {
    fn default() -> Self {
        Self {
            inner: Mutex::default(),
            limited: std::sync::atomic::AtomicBool::new(false),
            changes: tokio::sync::watch::Sender::new(SessionState::default()),
        }
    }
}

impl SessionStore {
    /// A session the server checked.
    pub fn start(&self, session: Session) {
        self.begin(session, false);
    }

    /// A session the desk let in from its store, without the server: limited until confirmed.
    pub fn start_limited(&self, session: Session) {
        self.begin(session, true);
    }

    fn begin(&self, session: Session, limited: bool) {
        let mut guard = self.lock();
        *guard = Some(session);
        self.limited.store(limited, std::sync::atomic::Ordering::Release);
        self.publish(&guard);
    }

    pub fn end(&self) -> Option<Session> {
        let mut guard = self.lock();
        let ended = guard.take();
        self.limited.store(false, std::sync::atomic::Ordering::Release);
        self.publish(&guard);
        ended
    }

    /// The session was let on by the desk's disk alone (an unlock without the server): limited
    /// until the server confirms the password.
    pub fn limit(&self) {
        let guard = self.lock();
        if guard.is_some() {
            self.limited.store(true, std::sync::atomic::Ordering::Release);
        }
    }

    /// Whether the session began without the server and was not confirmed with it since.
    pub fn is_limited(&self) -> bool {
        self.limited.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The user of a limited session: their kept writes wait for them.
    pub fn limited_user(&self) -> Option<Uuid> {
        if !self.is_limited() {
            return None;
        }
        self.lock().as_ref().map(|s| s.user_id)
    }

    /// The server confirmed the same user's password: the session is whole again, with the
    /// server's grants (its 12-hour limit still counts from when it began).
    pub fn confirm(&self, checked: Session, now: DateTime<Utc>) -> AppResult<Session> {
        let mut guard = self.lock();
        let session = guard.as_mut().filter(|s| s.user_id == checked.user_id).ok_or(AppError::Unauthorized)?;
        session.permissions = checked.permissions;
        session.idle_limit = checked.idle_limit;
        session.display_name = checked.display_name;
        session.grants_checked_at = now;
        session.last_activity = now;
        session.locked = false;
        let confirmed = session.clone();
        self.limited.store(false, std::sync::atomic::Ordering::Release);
        self.publish(&guard);
        Ok(confirmed)
    }

    fn publish(&self, session: &Option<Session>) {
        let now = SessionState { signed_in: session.is_some(), locked: session.as_ref().is_some_and(|s| s.locked) };
        self.changes.send_if_modified(|seen| std::mem::replace(seen, now) != now);
    }

    pub fn peek(&self) -> Option<Session> {
        self.lock().clone()
    }

    /// The session as the UI should see it at `now`, without counting as activity: an expired
    /// session ends, an idle one shows as locked.
    pub fn current(&self, now: DateTime<Utc>) -> Option<SessionInfo> {
        let mut guard = self.lock();
        if guard.as_ref().is_some_and(|s| s.expired(now)) {
            *guard = None;
            self.publish(&guard);
        }
        let without_server = self.is_limited();
        guard.as_ref().map(|s| SessionInfo { locked: s.idle_locked(now), without_server, ..s.info() })
    }

    /// Checks expiry and idleness at `now`, and on success records activity.
    /// Idle sessions become locked; expired ones end.
    pub fn touch(&self, now: DateTime<Utc>) -> AppResult<Session> {
        let mut guard = self.lock();
        let Some(session) = guard.as_mut() else {
            return Err(AppError::Unauthorized);
        };
        if session.expired(now) {
            *guard = None;
            self.publish(&guard);
            return Err(AppError::Unauthorized);
        }
        if session.idle_locked(now) {
            session.locked = true;
            self.publish(&guard);
            return Err(AppError::SessionLocked);
        }
        session.last_activity = now;
        Ok(session.clone())
    }

    /// Refreshes what the database says about the user.
    pub fn refresh(&self, user_id: Uuid, permissions: Vec<Permission>, idle_limit: Duration, at: DateTime<Utc>) {
        if let Some(s) = self.lock().as_mut().filter(|s| s.user_id == user_id) {
            s.permissions = permissions;
            s.idle_limit = idle_limit;
            s.grants_checked_at = at;
        }
    }

    /// Lifts the idle lock after the password was checked again.
    pub fn unlock(&self, now: DateTime<Utc>) -> AppResult<Session> {
        let mut guard = self.lock();
        let session = guard.as_mut().ok_or(AppError::Unauthorized)?;
        if session.expired(now) {
            *guard = None;
            self.publish(&guard);
            return Err(AppError::Unauthorized);
        }
        session.locked = false;
        session.last_activity = now;
        let unlocked = session.clone();
        self.publish(&guard);
        Ok(unlocked)
    }

    /// Locks the session at once (the "lock" button, or the UI's idle timer).
    pub fn lock_now(&self) {
        let mut guard = self.lock();
        if let Some(s) = guard.as_mut() {
            s.locked = true;
        }
        self.publish(&guard);
    }

    /// Moves the session's clock back, as if `by` had passed. For tests of idle and absolute limits.
    #[doc(hidden)]
    pub fn age(&self, by: Duration) {
        if let Some(s) = self.lock().as_mut() {
            s.started_at -= by;
            s.last_activity -= by;
            s.grants_checked_at -= by;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Session>> {
        // A panic while holding this lock cannot leave a half-written session: recover the value.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(now: DateTime<Utc>) -> Session {
        Session {
            user_id: Uuid::now_v7(),
            username: "ana".into(),
            display_name: "Ana".into(),
            permissions: vec![],
            started_at: now,
            last_activity: now,
            idle_limit: Duration::minutes(5),
            locked: false,
            grants_checked_at: now,
        }
    }

    #[test]
    fn every_window_hears_sign_in_lock_unlock_and_sign_out() {
        let store = SessionStore::default();
        let mut heard = store.changes.subscribe();
        let mut next = || {
            assert!(heard.has_changed().unwrap(), "a change was published");
            *heard.borrow_and_update()
        };
        let t0 = Utc::now();
        store.start(session(t0));
        assert_eq!(next(), SessionState { signed_in: true, locked: false });
        store.lock_now();
        assert_eq!(next(), SessionState { signed_in: true, locked: true });
        store.unlock(t0).unwrap();
        assert_eq!(next(), SessionState { signed_in: true, locked: false });
        assert!(store.touch(t0 + Duration::minutes(10)).is_err(), "idle");
        assert_eq!(next(), SessionState { signed_in: true, locked: true });
        store.end();
        assert_eq!(next(), SessionState { signed_in: false, locked: false });
    }

    #[test]
    fn activity_keeps_the_session_open_and_idleness_locks_it() {
        let store = SessionStore::default();
        let t0 = Utc::now();
        store.start(session(t0));
        assert!(store.touch(t0 + Duration::minutes(4)).is_ok());
        assert!(store.touch(t0 + Duration::minutes(8)).is_ok());
        assert_eq!(store.touch(t0 + Duration::minutes(14)).unwrap_err(), AppError::SessionLocked);
        // Still locked even when touched right away: only unlock() lifts it.
        assert_eq!(store.touch(t0 + Duration::minutes(14)).unwrap_err(), AppError::SessionLocked);
        assert!(store.unlock(t0 + Duration::minutes(15)).is_ok());
        assert!(store.touch(t0 + Duration::minutes(16)).is_ok());
    }

    #[test]
    fn the_session_ends_after_twelve_hours_even_when_active() {
        let store = SessionStore::default();
        let t0 = Utc::now();
        store.start(session(t0));
        let mut t = t0;
        while t < t0 + Duration::hours(12) - Duration::minutes(4) {
            t += Duration::minutes(4);
            assert!(store.touch(t).is_ok());
        }
        assert_eq!(store.touch(t0 + Duration::hours(12)).unwrap_err(), AppError::Unauthorized);
        assert!(store.peek().is_none());
    }
}
