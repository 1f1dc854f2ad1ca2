//! What the desk keeps for when the clinic's server is away, in its own store
//! (`podoclinic_store`): the patient directory (searched in memory, online and offline), the
//! week's agenda and whole answers such as the catalog, the outbox of writes made meanwhile, and
//! drafts. `sync` keeps the store current from the server; the services decide what each
//! command does with them.

pub mod directory;
pub mod drafts;
pub mod key;
pub mod outbox;
pub mod proof;
pub mod sign_in;
pub mod sync;
mod views;

pub use views::View;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use podoclinic_store::{Store, StoreKey};
use tokio::sync::RwLock;

use crate::store::directory::Directory;
use podoclinic_clinic::error::{AppError, AppResult};
use podoclinic_clinic::patients::model::PatientSummary;

/// The desk's store and the directory's index, for the app's life.
pub struct DeskStore {
    pub store: Store,
    pub directory: RwLock<Directory>,
    /// The directory holds the server's patients (refreshed once, on this run or an earlier one):
    /// search may read it instead of the server.
    ready: AtomicBool,
    /// What the outbox holds, for the banner.
    pub outbox: tokio::sync::watch::Sender<outbox::OutboxCount>,
    /// A write was kept: send it if the server is there.
    pub kick: tokio::sync::Notify,
    /// One replay at a time.
    replaying: tokio::sync::Mutex<()>,
    /// The outbox keys of the users signed in here since the app started, in memory only (on
    /// disk each is sealed under its user's password).
    keys: std::sync::Mutex<std::collections::HashMap<uuid::Uuid, proof::OutboxKey>>,
}

/// Renames the store's files in `dir` to `<name>.unreadable-<when>` (its -wal and -shm too), so
/// a new store can begin beside them; answers the main file's new path.
async fn set_aside(dir: &Path) -> AppResult<std::path::PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let mut main = None;
    for suffix in ["", "-wal", "-shm"] {
        let from = dir.join(format!("{}{suffix}", podoclinic_store::FILE_NAME));
        let to = dir.join(format!("{}{suffix}.unreadable-{stamp}", podoclinic_store::FILE_NAME));
        match tokio::fs::rename(&from, &to).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(AppError::internal(e)),
        }
        main.get_or_insert(to);
    }
    Ok(main.expect("the main file's name comes first"))
}

/// A fault of the desk's own store: never "offline" (that is the server's), always a fault with
/// a log id, so nothing is reported saved that is not.
pub fn fault(e: sqlx::Error) -> AppError {
    AppError::internal(format_args!("desk store: {e}"))
}

impl DeskStore {
    /// Opens the store in `dir` with `key` and loads the directory's index from it. A file that
    /// does not open with the key (the keyring lost it, or it is not a store) is set aside whole,
    /// never deleted, and a new store is begun.
    pub async fn open(dir: &Path, key: &StoreKey) -> AppResult<DeskStore> {
        let store = match Store::open(dir, key).await {
            Err(e) if podoclinic_store::is_unreadable(&e) => {
                let aside = set_aside(dir).await?;
                tracing::error!(file = %aside.display(), "the desk's store does not open with the keyring's key: set aside, a new one begun");
                Store::open(dir, key).await.map_err(fault)?
            }
            opened => opened.map_err(fault)?,
        };
        let started = std::time::Instant::now();
        let listings = podoclinic_store::directory::all(&store).await.map_err(fault)?;
        let directory = Directory::build(listings);
        tracing::info!(patients = directory.len(), ms = started.elapsed().as_millis() as u64, "directory loaded");
        let synced = podoclinic_store::views::get(&store, sync::SYNCED).await.map_err(fault)?.is_some();
        let offline = DeskStore {
            store,
            directory: RwLock::new(directory),
            ready: AtomicBool::new(synced),
            outbox: tokio::sync::watch::Sender::new(outbox::OutboxCount::default()),
            kick: tokio::sync::Notify::new(),
            replaying: tokio::sync::Mutex::new(()),
            keys: std::sync::Mutex::default(),
        };
        offline.recount().await?;
        offline.expire_drafts().await?;
        Ok(offline)
    }

    /// Forgets everything the store holds, before the desk is pointed at another clinic. Refused
    /// while writes wait to be sent or looked at (`outbox_not_empty`): they belong to this clinic.
    pub async fn wipe(&self) -> AppResult<()> {
        let count = self.recount().await?;
        if count.pending > 0 || count.conflicts > 0 {
            return Err(AppError::conflict("outbox_not_empty", None));
        }
        self.store.wipe().await.map_err(fault)?;
        *self.directory.write().await = Directory::build(Vec::new());
        self.ready.store(false, Ordering::Release);
        self.keys.lock().unwrap_or_else(|e| e.into_inner()).clear();
        self.recount().await?;
        tracing::info!("desk store emptied: the desk now serves another clinic");
        Ok(())
    }

    pub fn ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    pub(crate) fn set_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    /// Patients matching what was typed, from the directory (the same rules as the server's search).
    pub async fn search(&self, query: &str) -> AppResult<Vec<PatientSummary>> {
        podoclinic_clinic::patients::service::search_in(&*self.directory.read().await, query).await
    }
}
