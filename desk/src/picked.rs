//! Files a person picked in the system's file dialog at this desk (a backup to restore, a
//! spreadsheet to import), kept here by token: the webview names a file by its token and sees its
//! name, never its path, so nothing the page says can point the desk at another file. A token
//! names a file for what it was picked for only, for an hour.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use podoclinic_clinic::error::{AppError, AppResult};

/// How long a picked file stays usable without being picked again.
const LASTS: Duration = Duration::from_secs(60 * 60);

/// What a file is picked for: it decides the dialog's filter, and what the token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub enum PickFor {
    /// A backup to restore (`podoclinic-….backup.age`).
    Backup,
    /// A spreadsheet of a clinic's history to import.
    Spreadsheet,
    /// The scan of a consent letter signed on paper.
    Scan,
}

impl PickFor {
    /// The file name endings the dialog offers.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            PickFor::Backup => &["age"],
            PickFor::Spreadsheet => &["csv", "txt", "xlsx", "xlsm", "xls", "ods"],
            PickFor::Scan => &["pdf", "png", "jpg", "jpeg"],
        }
    }

    /// The permission picking for it needs (checked before the dialog opens).
    pub fn permission(self) -> podoclinic_clinic::auth::Permission {
        match self {
            PickFor::Backup | PickFor::Spreadsheet => podoclinic_clinic::auth::Permission::SettingsManage,
            PickFor::Scan => podoclinic_clinic::auth::Permission::ConsentsSign,
        }
    }
}

/// A picked file as the webview knows it: its token and its name (never its folder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct PickedFile {
    pub token: Uuid,
    pub file_name: String,
}

/// The files picked at this desk, by token.
#[derive(Debug, Default)]
pub struct PickedFiles(std::sync::Mutex<HashMap<Uuid, (PickFor, PathBuf, Instant)>>);

impl PickedFiles {
    /// Keeps a path the file dialog answered, for `what`; what the webview may name it by.
    pub fn remember(&self, what: PickFor, path: PathBuf) -> PickedFile {
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let token = Uuid::new_v4();
        let mut kept = self.0.lock().expect("never poisoned");
        kept.retain(|_, (_, _, at)| at.elapsed() < LASTS);
        kept.insert(token, (what, path, Instant::now()));
        PickedFile { token, file_name }
    }

    /// The path picked under `token` for `what`; any other token (unknown, expired, or picked for
    /// something else) is `pick_again`, naming the file field.
    pub fn path(&self, token: Uuid, what: PickFor) -> AppResult<PathBuf> {
        let kept = self.0.lock().expect("never poisoned");
        match kept.get(&token) {
            Some((picked_for, path, at)) if *picked_for == what && at.elapsed() < LASTS => Ok(path.clone()),
            _ => Err(AppError::validation("file", "pick_again")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picked_file_is_named_by_its_token_for_what_it_was_picked_for_only() {
        let picked = PickedFiles::default();
        let path = PathBuf::from("/media/usb/podoclinic-20261201-230000.backup.age");
        let file = picked.remember(PickFor::Backup, path.clone());
        assert_eq!(file.file_name, "podoclinic-20261201-230000.backup.age");
        assert_eq!(picked.path(file.token, PickFor::Backup).unwrap(), path);
        let again = AppError::validation("file", "pick_again");
        assert_eq!(
            picked.path(file.token, PickFor::Spreadsheet).unwrap_err(),
            again,
            "picked for a restore, not an import"
        );
        assert_eq!(picked.path(Uuid::new_v4(), PickFor::Backup).unwrap_err(), again, "a token nobody picked");
        let shown = serde_json::to_string(&file).unwrap();
        assert!(!shown.contains("/media"), "{shown}");
    }
}
