use sqlx::PgExecutor;

use super::model::ClinicProfile;
use crate::error::AppResult;

pub async fn get(db: impl PgExecutor<'_>) -> AppResult<ClinicProfile> {
    Ok(sqlx::query_as!(
        ClinicProfile,
        "SELECT name, address, phone, rfc, timezone, currency, idle_lock_minutes, reminder_template, offline_sign_in_days
         FROM clinic_profile"
    )
    .fetch_one(db)
    .await?)
}

pub async fn timezone_exists(db: impl PgExecutor<'_>, zone: &str) -> AppResult<bool> {
    Ok(sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = $1) AS "exists!""#, zone)
        .fetch_one(db)
        .await?)
}

pub async fn save(db: impl PgExecutor<'_>, p: &ClinicProfile) -> AppResult<()> {
    sqlx::query!(
        "UPDATE clinic_profile SET name = $1, address = $2, phone = $3, rfc = $4, timezone = $5, currency = $6,
             idle_lock_minutes = $7, reminder_template = $8, offline_sign_in_days = $9, updated_at = now()",
        &p.name,
        &p.address,
        &p.phone,
        &p.rfc,
        &p.timezone,
        &p.currency,
        p.idle_lock_minutes,
        &p.reminder_template,
        p.offline_sign_in_days
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The clinic's time zone name.
pub async fn timezone(db: impl PgExecutor<'_>) -> AppResult<String> {
    Ok(sqlx::query_scalar!("SELECT timezone FROM clinic_profile").fetch_one(db).await?)
}
