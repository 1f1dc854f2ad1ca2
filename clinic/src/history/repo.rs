use chrono::{DateTime, Utc};
use sqlx::types::Json;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::model::{History, HistoryContent, HistoryInput};
use crate::error::AppResult;

struct Row {
    id: Uuid,
    patient_id: Uuid,
    content: Json<HistoryContent>,
    recorded_by_name: String,
    recorded_at: DateTime<Utc>,
}

impl From<Row> for History {
    fn from(r: Row) -> Self {
        History {
            id: r.id,
            patient_id: r.patient_id,
            content: r.content.0,
            recorded_by_name: r.recorded_by_name,
            recorded_at: r.recorded_at,
        }
    }
}

/// The patient's history as last recorded.
pub async fn current(db: impl PgExecutor<'_>, patient: Uuid) -> AppResult<Option<History>> {
    let row = sqlx::query_as!(
        Row,
        r#"SELECT h.id, h.patient_id, h.content AS "content: Json<HistoryContent>", u.display_name AS recorded_by_name,
                  h.recorded_at
           FROM patient_histories h JOIN users u ON u.id = h.recorded_by
           WHERE h.patient_id = $1 ORDER BY h.recorded_at DESC, h.id DESC LIMIT 1"#,
        patient
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(History::from))
}

/// One recording.
pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<History>> {
    let row = sqlx::query_as!(
        Row,
        r#"SELECT h.id, h.patient_id, h.content AS "content: Json<HistoryContent>", u.display_name AS recorded_by_name,
                  h.recorded_at
           FROM patient_histories h JOIN users u ON u.id = h.recorded_by WHERE h.id = $1"#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(History::from))
}

pub async fn insert(db: impl PgExecutor<'_>, h: &HistoryInput, by: Uuid) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO patient_histories (id, patient_id, content, recorded_by) VALUES ($1, $2, $3, $4)",
        h.id,
        h.patient_id,
        Json(&h.content) as _,
        by
    )
    .execute(db)
    .await?;
    Ok(())
}

impl crate::db::ClientCreate for HistoryInput {
    type Stored = History;
    fn id(&self) -> Uuid {
        self.id
    }
    async fn stored(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<History>> {
        find(conn, id).await
    }
    fn same_as(&self, stored: &History) -> bool {
        self.patient_id == stored.patient_id && self.content == stored.content
    }
}
