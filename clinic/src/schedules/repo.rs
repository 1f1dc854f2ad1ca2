use chrono::{DateTime, Utc};
use sqlx::postgres::types::PgRange;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::model::{ExceptionKind, ScheduleBlock, ScheduleException};
use crate::error::AppResult;

/// A podiatrist's weekly block.
pub struct BlockRow {
    pub podiatrist_id: Uuid,
    pub block: ScheduleBlock,
}

pub async fn blocks(db: impl PgExecutor<'_>, podiatrists: &[Uuid]) -> AppResult<Vec<BlockRow>> {
    let rows = sqlx::query!(
        "SELECT podiatrist_id, weekday, start_minute, end_minute FROM schedule_blocks
         WHERE podiatrist_id = ANY ($1) ORDER BY weekday, start_minute",
        podiatrists
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| BlockRow {
            podiatrist_id: r.podiatrist_id,
            block: ScheduleBlock { weekday: r.weekday, start_minute: r.start_minute, end_minute: r.end_minute },
        })
        .collect())
}

pub async fn replace_blocks(conn: &mut PgConnection, podiatrist: Uuid, blocks: &[ScheduleBlock]) -> AppResult<()> {
    sqlx::query!("DELETE FROM schedule_blocks WHERE podiatrist_id = $1", podiatrist).execute(&mut *conn).await?;
    for b in blocks {
        sqlx::query!("INSERT INTO schedule_blocks (id, podiatrist_id, weekday, start_minute, end_minute) VALUES ($1, $2, $3, $4, $5)", Uuid::now_v7(), podiatrist, b.weekday, b.start_minute, b.end_minute)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Time off touching [from, to) for these podiatrists, clinic-wide days included.
pub async fn exceptions(
    db: impl PgExecutor<'_>,
    podiatrists: &[Uuid],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<ScheduleException>> {
    Ok(sqlx::query_as!(
        ScheduleException,
        r#"SELECT id, podiatrist_id, kind AS "kind: ExceptionKind", lower(during) AS "starts_at!",
                  upper(during) AS "ends_at!", note
           FROM schedule_exceptions
           WHERE (podiatrist_id IS NULL OR podiatrist_id = ANY ($1)) AND during && tstzrange($2, $3)
           ORDER BY lower(during)"#,
        podiatrists,
        from,
        to
    )
    .fetch_all(db)
    .await?)
}

pub async fn insert_exception(db: impl PgExecutor<'_>, e: &ScheduleException) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO schedule_exceptions (id, podiatrist_id, kind, during, note) VALUES ($1, $2, $3, $4, $5)",
        e.id,
        e.podiatrist_id,
        e.kind as ExceptionKind,
        PgRange::from(e.starts_at..e.ends_at),
        &e.note
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn find_exception(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<ScheduleException>> {
    Ok(sqlx::query_as!(
        ScheduleException,
        r#"SELECT id, podiatrist_id, kind AS "kind: ExceptionKind", lower(during) AS "starts_at!",
                  upper(during) AS "ends_at!", note
           FROM schedule_exceptions WHERE id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?)
}

pub async fn delete_exception(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<()> {
    sqlx::query!("DELETE FROM schedule_exceptions WHERE id = $1", id).execute(db).await?;
    Ok(())
}

crate::db::stored_as_asked!(ScheduleException, find_exception);
