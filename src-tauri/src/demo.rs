//! The demo clinic the README's run command shows. Seeded once, only into a fresh database.

use serde_json::json;
use sqlx::PgPool;

use crate::audit::{self, Actor, Entry};
use crate::error::AppResult;

/// Turns on the demo clinic (the README's run command sets it).
pub const DEMO_ENV: &str = "PODOCLINIC_DEMO";

pub fn enabled() -> bool {
    std::env::var(DEMO_ENV).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// Fills a database that still has the default profile with a demo clinic. Accounts are not
/// seeded: the first start shows the create-admin screen, as it will in a real clinic.
#[tracing::instrument(skip_all)]
pub async fn seed(pool: &PgPool, desk: &str) -> AppResult<()> {
    let mut tx = pool.begin().await?;
    let fresh: bool =
        sqlx::query_scalar("SELECT name = 'Mi clínica' FROM clinic_profile FOR UPDATE")
            .fetch_one(&mut *tx)
            .await?;
    if !fresh {
        return Ok(());
    }
    let profile = json!({
        "name": "Clínica Podológica Demo",
        "address": "Av. Insurgentes Sur 1234, Col. Del Valle, CDMX",
        "phone": "55 5555 0100",
    });
    sqlx::query(
        "UPDATE clinic_profile SET name = $1, address = $2, phone = $3, updated_at = now()",
    )
    .bind(profile["name"].as_str())
    .bind(profile["address"].as_str())
    .bind(profile["phone"].as_str())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        &Actor::system(desk),
        Entry::new("demo.seed", "clinic_profile", "clinic").after(&profile),
    )
    .await?;
    tx.commit().await?;
    tracing::info!("demo clinic seeded");
    Ok(())
}
