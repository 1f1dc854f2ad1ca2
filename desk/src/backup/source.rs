//! Where a restore reads from: a backup on the clinic's list, or a file the admin picked in the
//! system's file dialog (a copy on a USB drive, another folder). The webview names neither by
//! path: a listed backup by its record, a picked file by the token this desk kept the dialog's
//! answer under. So a restore can only read a file the clinic recorded or a person chose.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::repo;
use podoclinic_clinic::error::{AppError, AppResult};

/// How long a picked file stays restorable without being picked again.
const PICK_LASTS: Duration = Duration::from_secs(60 * 60);

/// A restore's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum BackupSource {
    /// A backup on the clinic's list, by its record.
    Listed { id: Uuid },
    /// A file picked in the file dialog at this desk.
    Picked { token: Uuid },
}

/// A file the admin picked, as the webview knows it: its token and its name (never its folder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PickedFile {
    pub token: Uuid,
    pub file_name: String,
}

/// The files picked at this desk, by token.
#[derive(Debug, Default)]
pub struct Picked(std::sync::Mutex<HashMap<Uuid, (PathBuf, Instant)>>);

impl Picked {
    /// Keeps a path the file dialog answered; what the webview may name it by.
    pub fn remember(&self, path: PathBuf) -> PickedFile {
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let token = Uuid::new_v4();
        let mut kept = self.0.lock().expect("never poisoned");
        kept.retain(|_, (_, at)| at.elapsed() < PICK_LASTS);
        kept.insert(token, (path, Instant::now()));
        PickedFile { token, file_name }
    }

    fn path(&self, token: Uuid) -> Option<PathBuf> {
        let kept = self.0.lock().expect("never poisoned");
        kept.get(&token).filter(|(_, at)| at.elapsed() < PICK_LASTS).map(|(path, _)| path.clone())
    }
}

/// The file a restore reads: a listed backup's (still in its folder, not pruned), or a picked one.
pub async fn path_of(pool: &sqlx::PgPool, picked: &Picked, source: &BackupSource) -> AppResult<PathBuf> {
    match source {
        BackupSource::Listed { id } => {
            let record = repo::by_id(pool, *id).await?.ok_or_else(|| AppError::not_found("backup"))?;
            match (record.folder, record.file_name, record.pruned_at) {
                (Some(folder), Some(name), None) => Ok(Path::new(&folder).join(name)),
                _ => Err(AppError::validation("file", "file_missing")),
            }
        }
        BackupSource::Picked { token } => picked.path(*token).ok_or(AppError::validation("file", "pick_again")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picked_file_is_named_by_its_token_and_its_name_only() {
        let picked = Picked::default();
        let file = picked.remember(PathBuf::from("/media/usb/podoclinic-20261201-230000.backup.age"));
        assert_eq!(file.file_name, "podoclinic-20261201-230000.backup.age");
        assert_eq!(picked.path(file.token), Some(PathBuf::from("/media/usb/podoclinic-20261201-230000.backup.age")));
        assert_eq!(picked.path(Uuid::new_v4()), None, "a token nobody picked names nothing");
        let shown = serde_json::to_string(&file).unwrap();
        assert!(!shown.contains("/media"), "{shown}");
    }
}
