//! Keeps the desk store current: a full refresh after every (re)connect (notifications sent
//! while the desk was away are lost), then each change the database announces.

use std::sync::Arc;

use chrono::Utc;
use sqlx::PgPool;
use tokio::sync::broadcast::{self, error::RecvError};
use uuid::Uuid;

use podoclinic_store::epoch_minutes;

use super::{DeskStore, View, fault};
use crate::db::live::Change;
use crate::store::directory::Directory;
use podoclinic_clinic::error::{AppError, AppResult};
use podoclinic_store::directory::Listing;
use sqlx::PgExecutor;

/// The `views` key under which the time of the last full refresh is kept.
pub const SYNCED: &str = "synced";

/// Runs for the life of the app, following `changes` (the live listener's), for the desk `desk`.
pub async fn run(pool: PgPool, offline: Arc<DeskStore>, desk: String, mut changes: broadcast::Receiver<Change>) {
    loop {
        let change = match changes.recv().await {
            Ok(change) => change,
            Err(RecvError::Lagged(_)) => Change::Everything,
            Err(RecvError::Closed) => return,
        };
        let done = match change {
            Change::Everything => {
                // A burst of reconnects is one refresh.
                while !changes.is_empty() {
                    let _ = changes.try_recv();
                }
                refresh(&pool, &offline, &desk).await
            }
            Change::Patient(id) => patient(&pool, &offline, id).await,
            Change::Agenda(podiatrist) => agenda(&pool, &offline, Some(podiatrist)).await,
            Change::Cash(_) => desk_cash(&pool, &offline, &desk).await,
            Change::Setup => setup(&pool, &offline).await,
            Change::Account(_) => offline.forget_changed(&pool).await,
            Change::Money(_) | Change::Stock(_) => Ok(()),
        };
        if let Err(e) = done {
            tracing::warn!(error = %e, ?change, "desk store not refreshed");
        }
    }
}

/// Re-reads everything the desk keeps from the server, then notes the time.
pub async fn refresh(pool: &PgPool, offline: &DeskStore, desk: &str) -> AppResult<()> {
    let started = std::time::Instant::now();
    let at = Utc::now();
    directory(pool, offline).await?;
    setup(pool, offline).await?;
    agenda(pool, offline, None).await?;
    desk_cash(pool, offline, desk).await?;
    offline.forget_changed(pool).await?;
    offline.expire_drafts().await?;
    podoclinic_store::views::put(&offline.store, SYNCED, "{}", at).await.map_err(fault)?;
    offline.set_ready();
    tracing::info!(ms = started.elapsed().as_millis() as u64, "desk store refreshed");
    Ok(())
}

/// Every active patient, whole: the store's directory and the index.
async fn directory(pool: &PgPool, offline: &DeskStore) -> AppResult<()> {
    let listings = server_directory(pool).await?;
    podoclinic_store::directory::replace(&offline.store, &listings).await.map_err(fault)?;
    // What was typed here and is not on the server yet stays in the index too.
    let kept = podoclinic_store::directory::all(&offline.store).await.map_err(fault)?;
    *offline.directory.write().await = Directory::build(kept);
    Ok(())
}

/// The agenda from today to a week ahead, of one podiatrist (their agenda changed) or of all.
pub async fn agenda(pool: &PgPool, offline: &DeskStore, podiatrist: Option<Uuid>) -> AppResult<()> {
    let tz = podoclinic_clinic::profile::time::zone(pool).await?;
    let (from, to) = DeskStore::agenda_window(tz, Utc::now());
    let only = podiatrist.map(|p| [p]);
    let appointments =
        podoclinic_clinic::appointments::repo::in_range(pool, from, to, only.as_ref().map(|p| &p[..])).await?;
    let mut entries = Vec::with_capacity(appointments.len());
    for a in &appointments {
        entries.push(podoclinic_store::agenda::Entry {
            id: a.id,
            podiatrist_id: a.podiatrist_id,
            starts_min: epoch_minutes(a.starts_at),
            ends_min: epoch_minutes(a.ends_at),
            body: serde_json::to_string(a).map_err(AppError::internal)?,
            pending: false,
        });
    }
    let (from_min, to_min) = (epoch_minutes(from), epoch_minutes(to));
    let store = &offline.store;
    match podiatrist {
        Some(p) => podoclinic_store::agenda::replace_podiatrist(store, p, from_min, to_min, &entries).await,
        None => podoclinic_store::agenda::replace(store, from_min, to_min, &entries).await,
    }
    .map_err(fault)?;
    podoclinic_store::agenda::prune(store, from_min).await.map_err(fault)
}

/// The clinic's set-up: its profile, podiatrists and their schedules, the catalog, the consent
/// templates, the expense categories.
async fn setup(pool: &PgPool, offline: &DeskStore) -> AppResult<()> {
    let at = Utc::now();
    offline.keep(View::Clinic, &podoclinic_clinic::profile::repo::get(pool).await?, at).await?;
    let podiatrists = podoclinic_clinic::podiatrists::repo::list(pool).await?;
    for p in &podiatrists {
        offline
            .keep(View::Schedule(p.id), &podoclinic_clinic::schedules::service::schedule(pool, p.id).await?, at)
            .await?;
    }
    offline.keep(View::Podiatrists, &podiatrists, at).await?;
    offline
        .keep(View::Treatments, &podoclinic_clinic::catalog::repo::treatments(&mut *pool.acquire().await?).await?, at)
        .await?;
    offline.keep(View::Products, &podoclinic_clinic::catalog::repo::products(pool).await?, at).await?;
    offline
        .keep(View::ConsentTemplates, &podoclinic_clinic::consents::repo::current_templates(pool).await?, at)
        .await?;
    offline.keep(View::ExpenseCategories, &podoclinic_clinic::expenses::repo::categories(pool).await?, at).await
}

/// This desk's cash drawer (a session opened, closed, or money in it).
async fn desk_cash(pool: &PgPool, offline: &DeskStore, desk: &str) -> AppResult<()> {
    offline.keep(View::DeskCash, &podoclinic_clinic::cash::service::desk_cash_of(pool, desk).await?, Utc::now()).await
}

/// One patient changed on the server: their directory entry follows (archived: removed).
pub async fn patient(pool: &PgPool, offline: &DeskStore, id: Uuid) -> AppResult<()> {
    match server_listing(pool, id).await? {
        Some(listing) => {
            podoclinic_store::directory::upsert(&offline.store, &listing).await.map_err(fault)?;
            offline.directory.write().await.upsert(listing);
        }
        None => {
            podoclinic_store::directory::remove(&offline.store, id).await.map_err(fault)?;
            offline.directory.write().await.remove(id);
        }
    }
    Ok(())
}

/// Every active patient as the desk's directory holds them (a full refresh).
async fn server_directory(db: impl PgExecutor<'_>) -> AppResult<Vec<Listing>> {
    Ok(sqlx::query_as!(
        Listing,
        r#"SELECT id, btrim(first_name || ' ' || last_names) AS "full_name!", birth_date, phone,
                (diabetes <> 'none' OR vascular_disease OR anticoagulants) AS "at_risk!",
                search_name AS "search_name!", search_phone AS "search_phone!", false AS "pending!"
         FROM patients WHERE archived_at IS NULL"#
    )
    .fetch_all(db)
    .await?)
}

/// One patient as the directory holds it; `None` when archived or unknown.
async fn server_listing(db: impl PgExecutor<'_>, id: Uuid) -> AppResult<Option<Listing>> {
    Ok(sqlx::query_as!(
        Listing,
        r#"SELECT id, btrim(first_name || ' ' || last_names) AS "full_name!", birth_date, phone,
                (diabetes <> 'none' OR vascular_disease OR anticoagulants) AS "at_risk!",
                search_name AS "search_name!", search_phone AS "search_phone!", false AS "pending!"
         FROM patients WHERE id = $1 AND archived_at IS NULL"#,
        id
    )
    .fetch_optional(db)
    .await?)
}
