use sqlx::PgPool;

use super::model::ClinicProfile;
use super::repo;
use crate::audit::{self, Actor, Entry};
use crate::error::{AppError, AppResult};

pub async fn get(pool: &PgPool) -> AppResult<ClinicProfile> {
    repo::get(pool).await
}

/// Validates and saves the profile, auditing before and after.
#[tracing::instrument(skip_all)]
pub async fn update(pool: &PgPool, actor: &Actor, input: ClinicProfile) -> AppResult<ClinicProfile> {
    let profile = input.parse()?;
    if !repo::timezone_exists(pool, &profile.timezone).await? {
        return Err(AppError::validation("timezone", "unknown_timezone"));
    }
    let mut tx = pool.begin().await?;
    let before = repo::get(&mut *tx).await?;
    repo::save(&mut *tx, &profile).await?;
    let entry = Entry::new("clinic_profile.update", "clinic_profile", "clinic").before(&before).after(&profile);
    audit::record(&mut *tx, actor, entry).await?;
    tx.commit().await?;
    Ok(profile)
}
