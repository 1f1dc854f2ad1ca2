//! The desk's own store: one SQLite file in the desk's data folder, readable by the desk's OS user
//! only and encrypted (SQLCipher, AES-256) under a key the desk keeps in the OS keyring: the file
//! copied off the desk, or opened without its key, reads nothing. It holds what reception needs
//! while the clinic's server is away (the patient directory, the week's agenda, whole answers such
//! as the catalog), the writes made meanwhile (the outbox), forms being filled (drafts) and who
//! may sign in here offline.
//!
//! SQL only, as the core's repositories: every function takes the store and plain values. What to
//! cache, when to replay and what a refusal means is the desk's (`podoclinic_desk::store`), and so
//! is where the key is kept.
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

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqliteConnection, SqlitePool};
use zeroize::Zeroizing;

pub type Result<T> = std::result::Result<T, sqlx::Error>;

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The store's file name in the desk's data folder.
pub const FILE_NAME: &str = "desk.sqlite3";

/// What every plain SQLite file begins with (an encrypted one begins with random bytes).
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The key the store's file is encrypted with: 32 random bytes, used as SQLCipher's raw key (no
/// key derivation on each of the pool's connections). Never written beside the file, logged or
/// shown; wiped from memory when dropped.
pub struct StoreKey(Zeroizing<[u8; 32]>);

impl StoreKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        StoreKey(Zeroizing::new(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// SQLCipher's raw-key literal, `x'<64 hex digits>'`, as `PRAGMA key` and `ATTACH … KEY` take it.
    fn literal(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::with_capacity(67));
        text.push_str("x'");
        for b in self.0.iter() {
            text.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
            text.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
        }
        text.push('\'');
        text
    }
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(…)")
    }
}

/// The file is there but does not open with this key (SQLite's "file is not a database"): another
/// key's, or not a store at all.
pub fn is_unreadable(e: &sqlx::Error) -> bool {
    e.as_database_error().and_then(|d| d.code()).as_deref() == Some("26")
}

/// The open store. Cheap to clone (a pool handle).
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

impl Store {
    /// Opens (or creates) the store in `dir`, which is made private to the desk's OS user, with
    /// `key`, and brings its tables up to date. A store kept in clear by an earlier version is
    /// encrypted first, every row kept. A file another key encrypted does not open
    /// (`is_unreadable`), and is left as it is.
    pub async fn open(dir: &Path, key: &StoreKey) -> Result<Store> {
        tokio::fs::create_dir_all(dir).await?;
        private_dir(dir).await?;
        let path = dir.join(FILE_NAME);
        if is_plain(&path).await? {
            encrypt_in_place(&path, key).await?;
        }
        private_file(&path).await?;
        let options = connect_options(&path, key)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        // Several readers, and SQLite serializes the writers itself (busy_timeout above).
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        // A build that linked a SQLite without SQLCipher would ignore the key and write in clear.
        let cipher: Option<String> = sqlx::query_scalar("PRAGMA cipher_version").fetch_optional(&pool).await?;
        if cipher.is_none() {
            pool.close().await;
            return Err(sqlx::Error::Configuration("the SQLite linked has no encryption (SQLCipher)".into()));
        }
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

/// The folder is the desk user's alone (0700).
#[cfg(unix)]
async fn private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    tokio::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).await?;
    Ok(())
}

/// The file is created 0600 before SQLite opens it; SQLite gives its -wal and -shm files the main
/// file's mode.
#[cfg(unix)]
async fn private_file(file: &Path) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
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
async fn private_dir(_dir: &Path) -> Result<()> {
    Ok(())
}

#[cfg(not(unix))]
async fn private_file(_file: &Path) -> Result<()> {
    Ok(())
}

/// The options every connection to the store file at `path` is opened with: the key first (sqlx
/// runs `key` before any other pragma), deleted rows overwritten, and no statement logged, the
/// key's included. The store's own pool adds its journal and durability settings; a tool that
/// reads the file as the desk's OS account could (the tests') opens it with these.
pub fn connect_options(path: &Path, key: &StoreKey) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .pragma("key", format!("\"{}\"", key.literal().as_str()))
        .pragma("secure_delete", "ON")
        .log_statements(log::LevelFilter::Off)
}

/// Whether `path` is a store an earlier version kept in clear (an empty or missing file is not).
async fn is_plain(path: &Path) -> Result<bool> {
    use tokio::io::AsyncReadExt;
    let mut file = match tokio::fs::File::open(path).await {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let mut header = [0u8; 16];
    match file.read_exact(&mut header).await {
        Ok(_) => Ok(&header == PLAIN_HEADER),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Encrypts a store kept in clear: SQLCipher copies it whole (schema, rows, the migrations'
/// table) into a new encrypted file beside it, every table's rows are counted in both, and the
/// encrypted file takes the store's name in one rename. A crash before the rename leaves the
/// plain store as it was (the half-made copy is removed at the next try); after it, the store is
/// the encrypted one.
async fn encrypt_in_place(path: &Path, key: &StoreKey) -> Result<()> {
    let copy = path.with_file_name(format!("{FILE_NAME}.encrypting"));
    remove_if_there(&copy).await?;
    private_file(&copy).await?;
    let copy_name =
        copy.to_str().ok_or_else(|| sqlx::Error::Configuration("the store's folder is not UTF-8".into()))?;
    // ATTACH opens the copy with this connection's flags: without CREATE, SQLite cannot make the
    // copy where nothing made it first (Windows, where private_file makes nothing).
    let mut plain = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .log_statements(log::LevelFilter::Off)
        .connect()
        .await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut plain).await?;
    sqlx::query("ATTACH DATABASE ?1 AS encrypted KEY ?2")
        .bind(copy_name)
        .bind(key.literal().as_str())
        .execute(&mut plain)
        .await?;
    sqlx::query("SELECT sqlcipher_export('encrypted')").execute(&mut plain).await?;
    sqlx::query("DETACH DATABASE encrypted").execute(&mut plain).await?;
    let before = row_counts(&mut plain).await?;
    plain.close().await?;
    let mut encrypted = connect_options(&copy, key).connect().await?;
    let after = row_counts(&mut encrypted).await?;
    encrypted.close().await?;
    if before != after {
        remove_if_there(&copy).await?;
        return Err(sqlx::Error::Protocol(format!(
            "the encrypted copy of the store differs: {before:?} against {after:?}"
        )));
    }
    // Opened for writing: Windows refuses to flush a handle opened only to read (os error 5).
    tokio::fs::OpenOptions::new().write(true).open(&copy).await?.sync_all().await?;
    tokio::fs::rename(&copy, path).await?;
    for stale in ["-wal", "-shm"] {
        remove_if_there(&path.with_file_name(format!("{FILE_NAME}{stale}"))).await?;
    }
    tracing::info!(rows = before.iter().map(|(_, n)| n).sum::<i64>(), "the desk's store was encrypted");
    Ok(())
}

/// Every table's name and row count, by name.
async fn row_counts(conn: &mut SqliteConnection) -> Result<Vec<(String, i64)>> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut counts = Vec::with_capacity(tables.len());
    for table in tables {
        // Safe as text: the name is the schema's own, quoted as an identifier.
        let sql = format!("SELECT count(*) FROM \"{}\"", table.replace('"', "\"\""));
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&mut *conn).await?;
        counts.push((table, n));
    }
    Ok(counts)
}

async fn remove_if_there(path: &Path) -> Result<()> {
    match tokio::fs::remove_file(path).await {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
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
        let store = super::Store::open(&dir.path().join("desk"), &key()).await.expect("store opens");
        (store, dir)
    }

    /// The tests' store key (a desk draws its own and keeps it in the OS keyring).
    pub fn key() -> super::StoreKey {
        super::StoreKey::from_bytes([7; 32])
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

    /// A row whose words can be looked for in the file's bytes.
    const NAME: &str = "Quiñones Zavaleta";

    async fn put_a_view(store: &super::Store) {
        crate::views::put(store, "patient:1", &format!("{{\"name\":\"{NAME}\"}}"), chrono::Utc::now()).await.unwrap();
    }

    /// Every byte the store keeps on disk: the file, its WAL and shared memory.
    fn bytes_on_disk(store: &super::Store) -> Vec<u8> {
        let mut all = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            let path = store.path().with_file_name(format!("{}{suffix}", super::FILE_NAME));
            all.extend(std::fs::read(path).unwrap_or_default());
        }
        all
    }

    fn contains(haystack: &[u8], needle: &str) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
    }

    /// `table`'s rows, read as a plain SQLite file is (no key).
    async fn count_without_key(path: &std::path::Path, table: &str) -> sqlx::Result<i64> {
        use sqlx::{ConnectOptions, Connection};
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(path).read_only(true).connect().await?;
        let sql = format!("SELECT count(*) FROM {table}");
        let n = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(&mut conn).await?;
        conn.close().await?;
        Ok(n)
    }

    #[tokio::test]
    async fn the_store_file_opened_without_its_key_reads_nothing() {
        let (store, dir) = super::testing::store().await;
        put_a_view(&store).await;
        assert!(!contains(&bytes_on_disk(&store), NAME), "the row is not on disk in clear");
        assert!(!contains(&bytes_on_disk(&store), "SQLite format 3"), "no plain SQLite header");
        let path = store.path().to_path_buf();
        store.close().await;
        assert!(!contains(&std::fs::read(&path).unwrap(), NAME));
        // Opened as a plain SQLite file: SQLite's "file is not a database".
        let e = count_without_key(&path, "views").await.expect_err("nothing is read without the key");
        assert!(super::is_unreadable(&e), "{e}");
        // Another key reads nothing either, and the file is left as it was.
        let before = std::fs::read(&path).unwrap();
        let e = super::Store::open(path.parent().unwrap(), &super::StoreKey::from_bytes([8; 32])).await.unwrap_err();
        assert!(super::is_unreadable(&e), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), before);
        // Its own key reads it all.
        let again = super::Store::open(path.parent().unwrap(), &super::testing::key()).await.unwrap();
        let view = crate::views::get(&again, "patient:1").await.unwrap().expect("kept");
        assert!(view.body.contains(NAME));
        drop(dir);
    }

    #[tokio::test]
    async fn a_store_an_earlier_version_kept_in_clear_is_encrypted_with_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("desk");
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join(super::FILE_NAME);
        // The store as the version before encryption made it: plain SQLite, WAL, migrated.
        let plain = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
        let pool = sqlx::SqlitePool::connect_with(plain).await.unwrap();
        super::MIGRATOR.run(&pool).await.unwrap();
        let user = uuid::Uuid::now_v7();
        for n in 0..50 {
            let body = format!("{{\"name\":\"{NAME} {n}\"}}");
            sqlx::query("INSERT INTO drafts (user_id, form, subject, body, saved_at) VALUES (?, 'nota', ?, ?, '2026-12-07T10:00:00Z')")
                .bind(user)
                .bind(n.to_string())
                .bind(body)
                .execute(&pool)
                .await
                .unwrap();
        }
        pool.close().await;
        assert!(contains(&std::fs::read(&path).unwrap(), NAME), "the old store held it in clear");
        // A copy half-made by a crash before is no obstacle.
        std::fs::write(folder.join(format!("{}.encrypting", super::FILE_NAME)), b"half").unwrap();

        let store = super::Store::open(&folder, &super::testing::key()).await.unwrap();
        assert_eq!(crate::drafts::list(&store, user).await.unwrap().len(), 50, "every row kept");
        assert!(!contains(&bytes_on_disk(&store), NAME), "and none of it in clear now");
        assert!(!folder.join(format!("{}.encrypting", super::FILE_NAME)).exists());
        store.close().await;
        // Opened the old way, it reads nothing now.
        let e = count_without_key(&path, "drafts").await.unwrap_err();
        assert!(super::is_unreadable(&e), "{e}");
    }

    #[test]
    fn the_key_is_never_printed() {
        let key = super::testing::key();
        assert_eq!(format!("{key:?}"), "StoreKey(…)");
        assert_eq!(key.literal().as_str(), format!("x'{}'", "07".repeat(32)));
    }
}
