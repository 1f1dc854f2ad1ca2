//! Password policy (NIST 800-63B style: length and a common-password list, no composition rules)
//! and argon2id hashing, always off the async runtime.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{AppError, AppResult};

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// OWASP's argon2id floor: 19 MiB, 2 passes, 1 lane.
const M_COST_KIB: u32 = 19_456;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

static COMMON: &str = include_str!("common_passwords.txt");

/// A password that passed the policy. Its Debug never prints it.
#[derive(Clone)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    /// Checks a new password against the policy; `field` names the form field in the error.
    pub fn parse(raw: String, field: &str, username: &str) -> AppResult<Self> {
        let chars = raw.chars().count();
        if chars < MIN_LEN {
            return Err(AppError::validation(field, "password_too_short"));
        }
        if chars > MAX_LEN {
            return Err(AppError::validation(field, "password_too_long"));
        }
        if raw.chars().any(char::is_control) {
            return Err(AppError::validation(field, "control_characters"));
        }
        let folded = raw.trim().to_lowercase();
        if is_common(&folded) || (!username.is_empty() && folded.contains(&username.to_lowercase())) {
            return Err(AppError::validation(field, "password_too_common"));
        }
        Ok(Self(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn is_common(folded: &str) -> bool {
    COMMON.lines().map(str::trim).any(|c| !c.is_empty() && !c.starts_with('#') && c == folded)
        || folded.chars().all(|c| c == folded.chars().next().unwrap_or(' '))
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None).expect("valid argon2 params");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes with argon2id on a blocking thread.
pub async fn hash(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(AppError::internal)
    })
    .await?
}

/// The outcome of checking a password against a stored hash.
pub struct Verified {
    pub ok: bool,
    /// The stored hash is weaker than today's parameters and should be replaced.
    pub needs_rehash: bool,
}

/// Verifies on a blocking thread. A malformed stored hash counts as a mismatch.
pub async fn verify(password: &str, stored: &str) -> AppResult<Verified> {
    let password = password.to_owned();
    let stored = stored.to_owned();
    Ok(tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return Verified { ok: false, needs_rehash: false };
        };
        let ok = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
        Verified { ok, needs_rehash: ok && is_weaker_than_policy(&parsed) }
    })
    .await?)
}

fn is_weaker_than_policy(hash: &PasswordHash<'_>) -> bool {
    if hash.algorithm.as_str() != "argon2id" {
        return true;
    }
    match Params::try_from(hash) {
        Ok(p) => p.m_cost() < M_COST_KIB || p.t_cost() < T_COST || p.p_cost() < P_COST,
        Err(_) => true,
    }
}

/// A hash to compare against when the username does not exist, so timing does not tell.
pub async fn burn_time(password: &str) {
    const DUMMY: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$WJgvMbTB2X0vAPXjf2dwSbPN7i9Qv7KjZ+0yyZ4K1dA";
    let _ = verify(password, DUMMY).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_long_and_common_passwords_are_refused_with_the_field_named() {
        let err = Password::parse("corta".into(), "password", "ana").unwrap_err();
        assert_eq!(err, AppError::validation("password", "password_too_short"));
        let err = Password::parse("x".repeat(129), "password", "ana").unwrap_err();
        assert_eq!(err, AppError::validation("password", "password_too_long"));
        let err = Password::parse("una clave\0 larga".into(), "password", "ana").unwrap_err();
        assert_eq!(err, AppError::validation("password", "control_characters"));
        let err = Password::parse("Password123".into(), "newPassword", "ana").unwrap_err();
        assert_eq!(err, AppError::validation("newPassword", "password_too_common"));
        let err = Password::parse("aaaaaaaaaa".into(), "password", "ana").unwrap_err();
        assert_eq!(err, AppError::validation("password", "password_too_common"));
        let err = Password::parse("ana.lopez-2026".into(), "password", "ana.lopez").unwrap_err();
        assert_eq!(err, AppError::validation("password", "password_too_common"));
    }

    #[test]
    fn long_passphrases_without_composition_rules_are_accepted() {
        assert!(Password::parse("uñas encarnadas y café".into(), "password", "ana").is_ok());
        assert!(Password::parse("a".repeat(63) + "b", "password", "ana").is_ok());
        assert!(Password::parse("x".repeat(127) + "y", "password", "ana").is_ok());
    }

    #[tokio::test]
    async fn a_hash_verifies_and_today_s_parameters_need_no_rehash() {
        let h = hash("pies sanos 2026").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let v = verify("pies sanos 2026", &h).await.unwrap();
        assert!(v.ok && !v.needs_rehash);
        assert!(!verify("otra cosa", &h).await.unwrap().ok);
    }

    #[tokio::test]
    async fn a_weaker_hash_verifies_and_asks_for_a_rehash() {
        let weak = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(4096, 1, 1, None).unwrap());
        let salt = SaltString::generate(&mut OsRng);
        let h = weak.hash_password(b"pies sanos 2026", &salt).unwrap().to_string();
        let v = verify("pies sanos 2026", &h).await.unwrap();
        assert!(v.ok && v.needs_rehash);
    }
}
