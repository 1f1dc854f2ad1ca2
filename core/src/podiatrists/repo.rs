use sqlx::PgExecutor;
use uuid::Uuid;

use super::model::Podiatrist;
use crate::error::AppResult;

pub async fn list(db: impl PgExecutor<'_>) -> AppResult<Vec<Podiatrist>> {
    Ok(sqlx::query_as("SELECT id, name, license, color, active, user_id FROM podiatrists ORDER BY active DESC, name")
        .fetch_all(db)
        .await?)
}

pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Podiatrist>> {
    Ok(sqlx::query_as("SELECT id, name, license, color, active, user_id FROM podiatrists WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// The podiatrist linked to a user account, if any.
pub async fn for_user(db: impl PgExecutor<'_>, user_id: Uuid) -> AppResult<Option<Uuid>> {
    Ok(sqlx::query_scalar("SELECT id FROM podiatrists WHERE user_id = $1").bind(user_id).fetch_optional(db).await?)
}

type PgQuery<'q> = sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>;

/// Binds a podiatrist as $1…$6 (id, name, license, color, active, user) for insert and update.
fn bind_record<'q>(q: PgQuery<'q>, p: &'q Podiatrist) -> PgQuery<'q> {
    q.bind(p.id).bind(&p.name).bind(&p.license).bind(&p.color).bind(p.active).bind(p.user_id)
}

pub async fn insert(db: impl PgExecutor<'_>, p: &Podiatrist) -> AppResult<()> {
    bind_record(
        sqlx::query(
            "INSERT INTO podiatrists (id, name, license, color, active, user_id) VALUES ($1, $2, $3, $4, $5, $6)",
        ),
        p,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn update(db: impl PgExecutor<'_>, p: &Podiatrist) -> AppResult<()> {
    bind_record(
        sqlx::query(
            "UPDATE podiatrists SET name = $2, license = $3, color = $4, active = $5, user_id = $6, updated_at = now()
             WHERE id = $1",
        ),
        p,
    )
    .execute(db)
    .await?;
    Ok(())
}

crate::db::stored_as_asked!(Podiatrist, find);
