use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use super::model::Podiatrist;
use crate::audit::{self, Actor, Entry};
use crate::db::replay;
use crate::error::{AppError, AppResult};

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

/// Creates a podiatrist; replaying the same id and content returns the stored one.
#[tracing::instrument(skip_all)]
pub async fn create(pool: &PgPool, actor: &Actor, input: Podiatrist) -> AppResult<Podiatrist> {
    let p = input.parse()?;
    let mut tx = pool.begin().await?;
    let inserted = bind_record(
        sqlx::query(
            "INSERT INTO podiatrists (id, name, license, color, active, user_id) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (id) DO NOTHING",
        ),
        &p,
    )
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        let stored = find(&mut *tx, p.id).await?.ok_or_else(|| AppError::not_found("podiatrist"))?;
        return replay(stored, &p);
    }
    audit::record(&mut *tx, actor, Entry::new("podiatrist.create", "podiatrist", p.id).after(&p)).await?;
    tx.commit().await?;
    Ok(p)
}

/// Edits a podiatrist (archiving is `active = false`; podiatrists are never deleted).
#[tracing::instrument(skip_all)]
pub async fn update(pool: &PgPool, actor: &Actor, input: Podiatrist) -> AppResult<Podiatrist> {
    let p = input.parse()?;
    let mut tx = pool.begin().await?;
    let before = find(&mut *tx, p.id).await?.ok_or_else(|| AppError::not_found("podiatrist"))?;
    bind_record(
        sqlx::query(
            "UPDATE podiatrists SET name = $2, license = $3, color = $4, active = $5, user_id = $6, updated_at = now()
         WHERE id = $1",
        ),
        &p,
    )
    .execute(&mut *tx)
    .await?;
    audit::record(&mut *tx, actor, Entry::new("podiatrist.update", "podiatrist", p.id).before(&before).after(&p))
        .await?;
    tx.commit().await?;
    Ok(p)
}
