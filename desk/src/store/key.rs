//! The store's key: 32 random bytes drawn the first time the desk opens its store, kept in the
//! OS keyring (the Secret Service on Linux, the Credential Manager on Windows) under the desk's
//! data folder, never on the desk's disk. The file copied off the desk reads nothing; the desk's
//! OS account, whose keyring it is, still can (that account is the desk's, and the server decides
//! who a person is: see `proof`).

use std::path::Path;
use std::time::Duration;

use podoclinic_store::StoreKey;

/// How long the keyring may take: a locked keyring may ask for its own password in a window
/// nobody at a reception desk expects, and the desk must not wait on it.
const KEYRING_WAIT: Duration = Duration::from_secs(10);

/// Why the desk has no key for its store (it then works with the server only).
#[derive(Debug, thiserror::Error)]
pub enum NoKey {
    #[error("no OS keyring: {0}")]
    NoKeyring(String),
    #[error("the OS keyring did not answer in {0:?}")]
    Timeout(Duration),
    #[error("the OS keyring holds something else under the store key's name ({0} bytes)")]
    Malformed(usize),
}

/// The keyring entry's name for the store in `data_dir`: one key per desk folder.
fn entry_name(data_dir: &Path) -> String {
    format!("store-key:{}", data_dir.display())
}

/// This desk's store key from the OS keyring; drawn and kept there the first time, and read back
/// before it is used: a keyring that did not keep it must not encrypt a store nobody could open.
pub async fn from_keyring(data_dir: &Path) -> Result<StoreKey, NoKey> {
    Ok(keyring(data_dir, true).await?.expect("drawn when there was none"))
}

/// This desk's store key, if the OS keyring holds one (none is drawn).
pub async fn kept_in_keyring(data_dir: &Path) -> Result<Option<StoreKey>, NoKey> {
    keyring(data_dir, false).await
}

async fn keyring(data_dir: &Path, draw: bool) -> Result<Option<StoreKey>, NoKey> {
    let name = entry_name(data_dir);
    let work = tokio::task::spawn_blocking(move || -> Result<Option<StoreKey>, NoKey> {
        let refused = |e: keyring::Error| NoKey::NoKeyring(e.to_string());
        let entry = keyring::Entry::new(crate::db::connection::KEYRING_SERVICE, &name).map_err(refused)?;
        let kept = match entry.get_secret() {
            Ok(kept) => kept,
            Err(keyring::Error::NoEntry) if !draw => return Ok(None),
            Err(keyring::Error::NoEntry) => {
                let mut fresh = zeroize::Zeroizing::new([0u8; 32]);
                getrandom::getrandom(&mut *fresh).map_err(|e| NoKey::NoKeyring(e.to_string()))?;
                entry.set_secret(&*fresh).map_err(refused)?;
                tracing::info!("a new key for the desk's store, kept in the OS keyring");
                entry.get_secret().map_err(refused)?
            }
            Err(e) => return Err(refused(e)),
        };
        let kept = zeroize::Zeroizing::new(kept);
        let bytes: [u8; 32] = kept.as_slice().try_into().map_err(|_| NoKey::Malformed(kept.len()))?;
        Ok(Some(StoreKey::from_bytes(bytes)))
    });
    match tokio::time::timeout(KEYRING_WAIT, work).await {
        Err(_) => Err(NoKey::Timeout(KEYRING_WAIT)),
        Ok(Err(joined)) => Err(NoKey::NoKeyring(joined.to_string())),
        Ok(Ok(found)) => found,
    }
}
