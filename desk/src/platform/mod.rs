//! What differs between the desks' operating systems, behind one interface: private folders and
//! files, the OS user the embedded cluster runs as, where it listens (`ClusterAddress`) and its
//! locale (`CLUSTER_LOCALE`), the system asking the app to stop (`shutdown_requested`), and a
//! listener for the desk alone (the TLS tunnel's: `DeskListener::bind`, `accept`, `options`; Unix:
//! a socket in a private folder of its own; Windows: loopback TCP, where what answers still asks
//! for the server's password). One small module per platform (`unix.rs`, `windows.rs`); nothing
//! else in the crate names either.

use std::fs::File;
use std::io;
use std::path::Path;

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as imp;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as imp;

pub use imp::{
    CLUSTER_LOCALE, ClusterAddress, ClusterUser, DeskListener, DeskStream, postgres_installs, shutdown_requested,
};

/// Creates a folder (and its parents) that only the desk's OS user may open. Unix: mode 0700.
/// Windows: the desk's folders are under the user's profile, which is that user's already.
pub fn private_dir(path: &Path) -> io::Result<()> {
    std::fs::create_dir_all(path)?;
    imp::restrict_dir(path)
}

/// Creates a new file (never an existing one) that only the desk's OS user may read or write.
pub fn create_private_file(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    imp::restrict_new_file(&mut options);
    options.open(path)
}

/// The OS user the embedded cluster runs as, when it is not the desk's own: PostgreSQL refuses to
/// run as root (Unix), so a desk run as root runs it as `postgres`. None: the desk's own user.
pub fn cluster_user() -> Result<Option<ClusterUser>, NoClusterUser> {
    imp::cluster_user()
}

/// Running as root, and no unprivileged `postgres` user to run the cluster as.
#[derive(Debug, Clone, Copy)]
pub struct NoClusterUser;
