use sqlx::PgExecutor;
use uuid::Uuid;

use super::model::Podiatrist;
use crate::error::AppResult;

pub async fn list(db: impl PgExecutor<'_>) -> AppResult<Vec<Podiatrist>> {
    Ok(sqlx::query_as!(
        Podiatrist,
        "SELECT id, name, license, title_institution, color, active, user_id FROM podiatrists ORDER BY active DESC, name"
    )
    .fetch_all(db)
    .await?)
}

pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Podiatrist>> {
    Ok(sqlx::query_as!(
        Podiatrist,
        "SELECT id, name, license, title_institution, color, active, user_id FROM podiatrists WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await?)
}

/// The podiatrist linked to a user account, if any.
pub async fn for_user(db: impl PgExecutor<'_>, user_id: Uuid) -> AppResult<Option<Uuid>> {
    Ok(sqlx::query_scalar!("SELECT id FROM podiatrists WHERE user_id = $1", user_id).fetch_optional(db).await?)
}

pub async fn insert(db: impl PgExecutor<'_>, p: &Podiatrist) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO podiatrists (id, name, license, color, active, user_id, title_institution)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        p.id,
        &p.name,
        &p.license,
        &p.color,
        p.active,
        p.user_id,
        &p.title_institution
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update(db: impl PgExecutor<'_>, p: &Podiatrist) -> AppResult<()> {
    sqlx::query!(
        "UPDATE podiatrists SET name = $2, license = $3, color = $4, active = $5, user_id = $6, title_institution = $7,
                                updated_at = now()
             WHERE id = $1",
        p.id,
        &p.name,
        &p.license,
        &p.color,
        p.active,
        p.user_id,
        &p.title_institution
    )
    .execute(db)
    .await?;
    Ok(())
}

crate::db::stored_as_asked!(Podiatrist, find);
