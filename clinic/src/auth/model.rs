//! Users and roles: the types the UI sees and the validation of what it sends.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Permission;
use super::password::Password;
use crate::error::{AppError, AppResult};

/// A staff account as the admin window lists it. Never carries the hash.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role_id: Uuid,
    pub role_name: String,
    pub active: bool,
    pub locked_until: Option<DateTime<Utc>>,
}

/// A role: a named set of permissions. `builtin` is `admin`, `reception` or `podiatrist` for the
/// three that always exist.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    pub id: Uuid,
    pub name: String,
    pub builtin: Option<String>,
    pub permissions: Vec<Permission>,
}

impl Role {
    pub fn is_admin(&self) -> bool {
        self.builtin.as_deref() == Some("admin")
    }
}

/// The admin role always holds every permission, including ones added by later versions.
pub fn effective_permissions(builtin: Option<&str>, stored: &[String]) -> Vec<Permission> {
    if builtin == Some("admin") { Permission::ALL.to_vec() } else { super::permission::parse_keys(stored) }
}

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct LoginInput {
    pub username: String,
    pub password: String,
}

/// The first account of a new clinic; it gets the admin role.
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct FirstAdminInput {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password: String,
}

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct NewUserInput {
    /// Made by the client (UUID v7) so that a retried create is recognised.
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role_id: Uuid,
}

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct UserUpdateInput {
    pub id: Uuid,
    pub display_name: String,
    pub role_id: Uuid,
    pub active: bool,
}

#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct RoleInput {
    /// Made by the client (UUID v7) for a new role; the role's id when editing.
    pub id: Uuid,
    pub name: String,
    pub permissions: Vec<Permission>,
}

/// A validated new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password: Password,
    pub role_id: Uuid,
}

impl NewUser {
    pub fn parse(input: NewUserInput) -> AppResult<Self> {
        let username = parse_username(&input.username)?;
        let display_name = parse_display_name(&input.display_name)?;
        let password = Password::parse(input.password, "password", &username)?;
        Ok(Self { id: input.id, username, display_name, password, role_id: input.role_id })
    }
}

/// Usernames are stored lowercase: "Ana.Lopez" and "ana.lopez" are one account.
pub fn parse_username(raw: &str) -> AppResult<String> {
    let name = raw.trim().to_lowercase();
    if name.is_empty() {
        return Err(AppError::validation("username", "required"));
    }
    let ok_chars = name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if !(3..=crate::limits::USERNAME).contains(&name.len()) || !ok_chars {
        return Err(AppError::validation("username", "username_format"));
    }
    Ok(name)
}

pub fn parse_display_name(raw: &str) -> AppResult<String> {
    let mut name = raw.to_string();
    crate::validate::required(&mut name, "displayName", crate::limits::DISPLAY_NAME)?;
    Ok(name)
}

pub fn parse_role_name(raw: &str) -> AppResult<String> {
    let mut name = raw.to_string();
    crate::validate::required(&mut name, "name", crate::limits::ROLE_NAME)?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_lowercased_and_checked() {
        assert_eq!(parse_username("  Ana.Lopez ").unwrap(), "ana.lopez");
        assert_eq!(parse_username("").unwrap_err(), AppError::validation("username", "required"));
        assert_eq!(parse_username("ab").unwrap_err(), AppError::validation("username", "username_format"));
        assert_eq!(parse_username("josé").unwrap_err(), AppError::validation("username", "username_format"));
    }

    #[test]
    fn the_admin_role_always_has_every_permission() {
        assert_eq!(effective_permissions(Some("admin"), &[]).len(), Permission::ALL.len());
        assert_eq!(effective_permissions(Some("reception"), &["stats.read".into()]), vec![Permission::StatsRead]);
    }
}
