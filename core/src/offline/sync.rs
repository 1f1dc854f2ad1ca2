//! Keeps the desk's copies current: a full refresh after every (re)connect (notifications sent
//! while the desk was away are lost), then each change the database announces.

use std::sync::Arc;

use chrono::Utc;
use sqlx::PgPool;
use tokio::sync::broadcast::{self, error::RecvError};
use uuid::Uuid;

use super::{Offline, fault};
use crate::db::live::Change;
use crate::error::AppResult;
use crate::patients::directory::{Directory, Listing};

/// The `views` key under which the time of the last full refresh is kept.
pub const SYNCED: &str = "synced";

/// Runs for the life of the app, following `changes` (the live listener's).
pub async fn run(pool: PgPool, offline: Arc<Offline>, mut changes: broadcast::Receiver<Change>) {
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
                refresh(&pool, &offline).await
            }
            Change::Patient(id) => patient(&pool, &offline, id).await,
            _ => Ok(()),
        };
        if let Err(e) = done {
            tracing::warn!(error = %e, ?change, "desk copy not refreshed");
        }
    }
}

/// Re-reads everything the desk keeps from the server.
pub async fn refresh(pool: &PgPool, offline: &Offline) -> AppResult<()> {
    let started = std::time::Instant::now();
    let at = Utc::now();
    let listings = crate::patients::repo::directory(pool).await?;
    let entries: Vec<podoclinic_local::directory::Entry> = listings.iter().map(Into::into).collect();
    podoclinic_local::directory::replace(&offline.store, &entries).await.map_err(fault)?;
    // What was typed here and is not on the server yet stays in the index too.
    let kept = podoclinic_local::directory::all(&offline.store).await.map_err(fault)?;
    let directory = Directory::build(kept.into_iter().map(Listing::from).collect());
    let patients = directory.len();
    *offline.directory.write().await = directory;
    podoclinic_local::views::put(&offline.store, SYNCED, "{}", at).await.map_err(fault)?;
    offline.set_ready();
    tracing::info!(patients, ms = started.elapsed().as_millis() as u64, "desk copy refreshed");
    Ok(())
}

/// One patient changed on the server: their directory entry follows (archived: removed).
pub async fn patient(pool: &PgPool, offline: &Offline, id: Uuid) -> AppResult<()> {
    match crate::patients::repo::listing(pool, id).await? {
        Some(listing) => {
            podoclinic_local::directory::upsert(&offline.store, &(&listing).into()).await.map_err(fault)?;
            offline.directory.write().await.upsert(listing);
        }
        None => {
            podoclinic_local::directory::remove(&offline.store, id).await.map_err(fault)?;
            offline.directory.write().await.remove(id);
        }
    }
    Ok(())
}
