//! SQL for users, roles and lockout. Functions take an executor so they run inside transactions.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::Permission;
use super::model::{NewUser, Role, RoleInput, User, effective_permissions};
use crate::db::ClientCreate;
use crate::error::AppResult;

pub async fn list_users(db: impl PgExecutor<'_>) -> AppResult<Vec<User>> {
    Ok(sqlx::query_as!(
        User,
        r#"SELECT id AS "id!", username AS "username!", display_name AS "display_name!", role_id AS "role_id!",
                  role_name AS "role_name!", active AS "active!", locked_until
           FROM user_accounts ORDER BY active DESC, display_name"#
    )
    .fetch_all(db)
    .await?)
}

pub async fn find_user(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<User>> {
    Ok(sqlx::query_as!(
        User,
        r#"SELECT id AS "id!", username AS "username!", display_name AS "display_name!", role_id AS "role_id!",
                  role_name AS "role_name!", active AS "active!", locked_until
           FROM user_accounts WHERE id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?)
}

/// What login needs, read with the row locked so that concurrent attempts on two desks count once
/// each (lock order: step 3, see `db::locks`). The desks' role reads no password hash but through
/// `sign_in_credentials` (migration 19), one account at a time.
pub struct Credentials {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub active: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub lockout_count: i32,
    pub now: DateTime<Utc>,
}

pub async fn credentials_for_update(conn: &mut PgConnection, username: &str) -> AppResult<Option<Credentials>> {
    Ok(sqlx::query_as!(
        Credentials,
        r#"SELECT id AS "id!", username AS "username!", display_name AS "display_name!",
                  password_hash AS "password_hash!", active AS "active!", locked_until,
                  lockout_count AS "lockout_count!", now AS "now!"
           FROM sign_in_credentials($1)"#,
        username
    )
    .fetch_optional(conn)
    .await?)
}

/// Records one failure and returns how many happened within the window (this one included).
pub async fn add_failure(conn: &mut PgConnection, user_id: Uuid, window_minutes: i32) -> AppResult<i64> {
    sqlx::query!("INSERT INTO login_failures (user_id) VALUES ($1)", user_id).execute(&mut *conn).await?;
    Ok(sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM login_failures WHERE user_id = $1 AND at > now() - make_interval(mins => $2)"#, user_id, window_minutes)
    .fetch_one(conn)
    .await?)
}

pub async fn clear_failures(db: impl PgExecutor<'_>, user_id: Uuid) -> AppResult<()> {
    sqlx::query!("DELETE FROM login_failures WHERE user_id = $1", user_id).execute(db).await?;
    Ok(())
}

/// Locks the account for `minutes` (at most an hour) from the database's clock; returns the end.
pub async fn lock_out(db: impl PgExecutor<'_>, user_id: Uuid, minutes: i32) -> AppResult<DateTime<Utc>> {
    Ok(sqlx::query_scalar!(r#"SELECT users_lock_out($1, $2) AS "locked_until!""#, user_id, minutes)
        .fetch_one(db)
        .await?)
}

pub async fn reset_lockout(db: impl PgExecutor<'_>, user_id: Uuid, forget_repeats: bool) -> AppResult<()> {
    sqlx::query!("SELECT users_lift_lockout($1, $2)", user_id, forget_repeats).execute(db).await?;
    Ok(())
}

pub async fn set_password_hash(db: impl PgExecutor<'_>, user_id: Uuid, hash: &str) -> AppResult<()> {
    sqlx::query!("UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1", user_id, hash)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn insert_user(
    db: impl PgExecutor<'_>,
    id: Uuid,
    username: &str,
    display_name: &str,
    hash: &str,
    role_id: Uuid,
) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO users (id, username, display_name, password_hash, role_id) VALUES ($1, $2, $3, $4, $5)",
        id,
        username,
        display_name,
        hash,
        role_id
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update_user(
    db: impl PgExecutor<'_>,
    id: Uuid,
    display_name: &str,
    role_id: Uuid,
    active: bool,
) -> AppResult<()> {
    sqlx::query!(
        "UPDATE users SET display_name = $2, role_id = $3, active = $4, updated_at = now() WHERE id = $1",
        id,
        display_name,
        role_id,
        active
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn any_user(db: impl PgExecutor<'_>) -> AppResult<bool> {
    Ok(sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM users) AS "exists!""#).fetch_one(db).await?)
}

pub async fn active_admins(db: impl PgExecutor<'_>) -> AppResult<Vec<Uuid>> {
    Ok(sqlx::query_scalar!(
        "SELECT u.id FROM users u JOIN roles r ON r.id = u.role_id WHERE r.builtin = 'admin' AND u.active"
    )
    .fetch_all(db)
    .await?)
}

/// What a live session must re-check: is the user still active, what may the role do, the idle limit.
pub struct Grants {
    pub active: bool,
    pub builtin: Option<String>,
    pub permissions: Vec<String>,
    pub idle_lock_minutes: i32,
}

pub async fn grants(db: impl PgExecutor<'_>, user_id: Uuid) -> AppResult<Option<Grants>> {
    Ok(sqlx::query_as!(
        Grants,
        r#"SELECT u.active, r.builtin, r.permissions,
                (SELECT idle_lock_minutes FROM clinic_profile) AS "idle_lock_minutes!"
         FROM users u JOIN roles r ON r.id = u.role_id WHERE u.id = $1"#,
        user_id
    )
    .fetch_optional(db)
    .await?)
}

struct RoleRow {
    id: Uuid,
    name: String,
    builtin: Option<String>,
    permissions: Vec<String>,
}

impl From<RoleRow> for Role {
    fn from(r: RoleRow) -> Self {
        let permissions = effective_permissions(r.builtin.as_deref(), &r.permissions);
        Role { id: r.id, name: r.name, builtin: r.builtin, permissions }
    }
}

pub async fn list_roles(db: impl PgExecutor<'_>) -> AppResult<Vec<Role>> {
    let rows: Vec<RoleRow> = sqlx::query_as!(
        RoleRow,
        "SELECT id, name, builtin, permissions FROM roles ORDER BY builtin IS NULL, created_at, name"
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Role::from).collect())
}

pub async fn find_role(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Role>> {
    let row: Option<RoleRow> =
        sqlx::query_as!(RoleRow, "SELECT id, name, builtin, permissions FROM roles WHERE id = $1", id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(Role::from))
}

pub async fn admin_role_id(db: impl PgExecutor<'_>) -> AppResult<Uuid> {
    Ok(sqlx::query_scalar!("SELECT id FROM roles WHERE builtin = 'admin'").fetch_one(db).await?)
}

fn keys(permissions: &[Permission]) -> Vec<String> {
    let mut keys: Vec<String> = permissions.iter().map(|p| p.key().to_string()).collect();
    keys.sort();
    keys.dedup();
    keys
}

pub async fn insert_role(db: impl PgExecutor<'_>, id: Uuid, name: &str, permissions: &[Permission]) -> AppResult<()> {
    sqlx::query!("INSERT INTO roles (id, name, permissions) VALUES ($1, $2, $3)", id, name, &keys(permissions))
        .execute(db)
        .await?;
    Ok(())
}

pub async fn update_role(db: impl PgExecutor<'_>, id: Uuid, name: &str, permissions: &[Permission]) -> AppResult<()> {
    sqlx::query!(
        "UPDATE roles SET name = $2, permissions = $3, updated_at = now() WHERE id = $1",
        id,
        name,
        &keys(permissions)
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Serialises creating the first admin across desks until the transaction ends (lock order: step 2).
pub async fn lock_first_admin(conn: &mut PgConnection) -> AppResult<()> {
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtext('podoclinic.first_admin'))").fetch_one(conn).await?;
    Ok(())
}

/// Serialises changes to who is an active admin until the transaction ends (lock order: step 2).
pub async fn lock_admins(conn: &mut PgConnection) -> AppResult<()> {
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtext('podoclinic.admins'))").fetch_one(conn).await?;
    Ok(())
}

impl ClientCreate for NewUser {
    type Stored = User;
    fn id(&self) -> Uuid {
        self.id
    }
    async fn stored(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<User>> {
        find_user(conn, id).await
    }
    fn same_as(&self, stored: &User) -> bool {
        (stored.username.as_str(), stored.display_name.as_str(), stored.role_id)
            == (self.username.as_str(), self.display_name.as_str(), self.role_id)
    }
}

impl ClientCreate for RoleInput {
    type Stored = Role;
    fn id(&self) -> Uuid {
        self.id
    }
    async fn stored(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<Role>> {
        find_role(conn, id).await
    }
    fn same_as(&self, stored: &Role) -> bool {
        stored.name == self.name && stored.permissions == self.permissions && stored.builtin.is_none()
    }
}
