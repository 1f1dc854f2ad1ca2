//! The desk's own store: one SQLite file in the desk's data folder, readable by the desk's OS user
//! only. It holds what reception needs while the clinic's server is away (the patient directory,
//! the week's agenda, whole answers such as the catalog), the writes made meanwhile (the outbox),
//! forms being filled (drafts) and who may sign in here offline.
//!
//! SQL only, as the core's repositories: every function takes the store and plain values. What to
//! cache, when to replay and what a refusal means is the desk's (`podoclinic_desk::store`).
//! The outbox is written with `synchronous=FULL` in WAL mode: a write the UI reports as "saved on
//! this computer" has reached the disk.

pub mod agenda;
pub mod directory;
pub mod drafts;
pub mod outbox;
pub mod sign_ins;
pub mod views;

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub type Result<T> = std::result::Result<T, sqlx::Error>;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The store's file name in the desk's data folder.
pub const FILE_NAME: &str = "desk.sqlite3";

/// The open store. Cheap to clone (a pool handle).
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

impl Store {
    /// Opens (or creates) the store in `dir`, which is made private to the desk's OS user, and
    /// brings its tables up to date.
    pub async fn open(dir: &Path) -> Result<Store> {
        tokio::fs::create_dir_all(dir).await?;
        let path = dir.join(FILE_NAME);
        private(dir, &path).await?;
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        // Several readers, and SQLite serializes the writers itself (busy_timeout above).
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        MIGRATOR.run(&pool).await?;
        Ok(Store { pool, path })
    }

    /// The pool, for the repositories of this crate.
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Empties the store: the desk now serves another clinic, and nothing of this one's (its
    /// patients, agenda, drafts, who signed in) stays on the desk's disk.
    pub async fn wipe(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query!("DELETE FROM directory").execute(&mut *tx).await?;
        sqlx::query!("DELETE FROM agenda").execute(&mut *tx).await?;
        sqlx::query!("DELETE FROM views").execute(&mut *tx).await?;
        sqlx::query!("DELETE FROM outbox").execute(&mut *tx).await?;
        sqlx::query!("DELETE FROM drafts").execute(&mut *tx).await?;
        sqlx::query!("DELETE FROM sign_ins").execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes every connection (the tests reopen the file as after a restart).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The folder is the desk user's alone (0700) and the file is created 0600 before SQLite opens
/// it; SQLite gives its -wal and -shm files the main file's mode.
#[cfg(unix)]
async fn private(dir: &Path, file: &Path) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    tokio::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).await?;
    let file = file.to_path_buf();
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(&file)?;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
    })
    .await
    .map_err(std::io::Error::other)??;
    Ok(())
}

/// Windows: the desk's data folder under the user's profile is already private to that user.
#[cfg(not(unix))]
async fn private(_dir: &Path, _file: &Path) -> Result<()> {
    Ok(())
}

/// Minutes since the Unix epoch: how the agenda places appointments in time (the calendar's unit).
pub fn epoch_minutes(at: chrono::DateTime<chrono::Utc>) -> i64 {
    at.timestamp().div_euclid(60)
}

#[cfg(test)]
pub(crate) mod testing {
    /// A store in a fresh temporary folder (kept alive by the returned guard).
    pub async fn store() -> (super::Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = super::Store::open(&dir.path().join("desk")).await.expect("store opens");
        (store, dir)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    #[tokio::test]
    async fn the_store_is_private_to_the_desk_user_and_durable() {
        use std::os::unix::fs::PermissionsExt;
        let (store, _dir) = super::testing::store().await;
        let mode = std::fs::metadata(store.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let folder = std::fs::metadata(store.path().parent().unwrap()).unwrap().permissions().mode() & 0o777;
        assert_eq!(folder, 0o700);
        let (journal, sync): (String, i64) = sqlx::query_as(
            "SELECT (SELECT journal_mode FROM pragma_journal_mode), (SELECT synchronous FROM pragma_synchronous)",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert_eq!(journal, "wal");
        assert_eq!(sync, 2, "synchronous=FULL");
    }
}
