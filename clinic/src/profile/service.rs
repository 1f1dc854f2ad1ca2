use super::model::ClinicProfile;
use super::repo;
use crate::audit::{self, Action, Entry};
use crate::auth::Ctx;
use crate::error::{AppError, AppResult};

/// The clinic's profile (name, address, time zone, currency, idle lock).
pub async fn get(ctx: &Ctx) -> AppResult<ClinicProfile> {
    repo::get(&ctx.pool).await
}

/// Validates and saves the profile, auditing before and after.
#[tracing::instrument(skip_all)]
pub async fn update(ctx: &Ctx, input: ClinicProfile) -> AppResult<ClinicProfile> {
    let profile = input.parse()?;
    if !repo::timezone_exists(&ctx.pool, &profile.timezone).await? {
        return Err(AppError::validation("timezone", "unknown_timezone"));
    }
    let mut tx = ctx.pool.begin().await?;
    let before = repo::get(&mut *tx).await?;
    repo::save(&mut *tx, &profile).await?;
    let entry = Entry::new(Action::ClinicProfileUpdate, "clinic_profile", "clinic").before(&before).after(&profile);
    audit::record(&mut *tx, &ctx.actor, entry).await?;
    tx.commit().await?;
    Ok(profile)
}
