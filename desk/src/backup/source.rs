//! Where a restore reads from: a backup on the clinic's list, or a file the admin picked in the
//! system's file dialog (a copy on a USB drive, another folder; `crate::picked`). The webview names
//! neither by path: a listed backup by its record, a picked file by its token. So a restore can
//! only read a file the clinic recorded or a person chose.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::repo;
use crate::picked::{PickFor, PickedFiles};
use podoclinic_clinic::error::{AppError, AppResult};

/// A restore's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum BackupSource {
    /// A backup on the clinic's list, by its record.
    Listed { id: Uuid },
    /// A file picked in the file dialog at this desk (`crate::picked`).
    Picked { token: Uuid },
}

/// The file a restore reads: a listed backup's (still in its folder, not pruned), or a picked one.
pub async fn path_of(pool: &sqlx::PgPool, picked: &PickedFiles, source: &BackupSource) -> AppResult<PathBuf> {
    match source {
        BackupSource::Listed { id } => {
            let record = repo::by_id(pool, *id).await?.ok_or_else(|| AppError::not_found("backup"))?;
            match (record.folder, record.file_name, record.pruned_at) {
                (Some(folder), Some(name), None) => Ok(Path::new(&folder).join(name)),
                _ => Err(AppError::validation("file", "file_missing")),
            }
        }
        BackupSource::Picked { token } => picked.path(*token, PickFor::Backup),
    }
}
