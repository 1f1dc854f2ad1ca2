use sqlx::{PgExecutor, PgPool};

use super::model::ClinicProfile;
use crate::audit::{self, Actor, Entry};
use crate::error::{AppError, AppResult};

pub async fn get(db: impl PgExecutor<'_>) -> AppResult<ClinicProfile> {
    Ok(sqlx::query_as("SELECT name, address, phone, rfc, timezone, currency, idle_lock_minutes FROM clinic_profile")
        .fetch_one(db)
        .await?)
}

/// Validates and saves the profile, auditing before and after.
#[tracing::instrument(skip_all)]
pub async fn update(
    pool: &PgPool,
    actor: &Actor,
    input: ClinicProfile,
) -> AppResult<ClinicProfile> {
    let p = input.parse()?;
    let known: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1)")
            .bind(&p.timezone)
            .fetch_one(pool)
            .await?;
    if !known {
        return Err(AppError::validation("timezone", "unknown_timezone"));
    }
    let mut tx = pool.begin().await?;
    let before = get(&mut *tx).await?;
    sqlx::query(
        "UPDATE clinic_profile SET name = $1, address = $2, phone = $3, rfc = $4, timezone = $5, currency = $6,
             idle_lock_minutes = $7, updated_at = now()",
    )
    .bind(&p.name)
    .bind(&p.address)
    .bind(&p.phone)
    .bind(&p.rfc)
    .bind(&p.timezone)
    .bind(&p.currency)
    .bind(p.idle_lock_minutes)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        actor,
        Entry::new("clinic_profile.update", "clinic_profile", "clinic")
            .before(&before)
            .after(&p),
    )
    .await?;
    tx.commit().await?;
    Ok(p)
}
