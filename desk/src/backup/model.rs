use std::collections::BTreeMap;

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use podoclinic_clinic::error::{AppError, AppResult};

/// How long the last verified backup may be old before the admin window and the dashboard turn red.
pub const STALE_AFTER_HOURS: i64 = 48;

/// The clinic's backup settings as the admin window shows them (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupSettings {
    /// The desk that takes the scheduled backups; `None` until set up.
    pub runner_desk: Option<String>,
    pub folder: Option<String>,
    /// "HH:MM" in the clinic's time zone.
    pub daily_at: String,
    pub enabled: bool,
    /// Whether a recovery key was made (backups can be taken).
    pub has_key: bool,
    /// This desk's name, to offer it as the runner.
    pub this_desk: String,
    /// The database server's major, and whether this desk has `pg_dump`/`pg_restore` of it (the
    /// tab says which package to install when not).
    pub server_major: u32,
    pub tools_ready: bool,
}

/// What an admin saves in the "Respaldos" tab. The passphrase is needed the first time (it makes
/// the recovery key) and to replace the key; otherwise it is left empty and the key stays.
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupSettingsInput {
    pub runner_desk: String,
    pub folder: String,
    pub daily_at: String,
    pub enabled: bool,
    pub passphrase: Option<String>,
    pub passphrase_again: Option<String>,
}

/// A settings input, checked.
pub struct ParsedSettings {
    pub runner_desk: String,
    pub folder: String,
    pub daily_at: NaiveTime,
    pub enabled: bool,
    /// A new passphrase to make a new recovery key with.
    pub passphrase: Option<String>,
}

impl BackupSettingsInput {
    pub fn parse(self, has_key: bool) -> AppResult<ParsedSettings> {
        let mut runner_desk = self.runner_desk;
        podoclinic_clinic::validate::required(&mut runner_desk, "runnerDesk", podoclinic_clinic::limits::DESK_NAME)?;
        let mut folder = self.folder;
        podoclinic_clinic::validate::required(&mut folder, "folder", 1024)?;
        if !std::path::Path::new(&folder).is_absolute() {
            return Err(AppError::validation("folder", "absolute_path"));
        }
        let daily_at = NaiveTime::parse_from_str(self.daily_at.trim(), "%H:%M")
            .map_err(|_| AppError::validation("dailyAt", "time_format"))?;
        let passphrase = self.passphrase.filter(|p| !p.is_empty());
        if let Some(p) = &passphrase {
            super::key::check_passphrase(p)?;
            if self.passphrase_again.as_deref() != Some(p.as_str()) {
                return Err(AppError::validation("passphraseAgain", "passphrase_mismatch"));
            }
        } else if !has_key {
            return Err(AppError::validation("passphrase", "required"));
        }
        Ok(ParsedSettings { runner_desk, folder, daily_at, enabled: self.enabled, passphrase })
    }
}

/// How a backup ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Restored into a scratch database, it held what was counted when it was taken.
    Verified,
    /// Restored, it held something else: the file is kept but not trusted.
    Differs,
    /// No file was written (the folder, pg_dump, the server).
    Failed,
}

/// One backup on record.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupRecord {
    pub id: Uuid,
    pub desk: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub outcome: Outcome,
    pub file_name: Option<String>,
    pub folder: Option<String>,
    pub bytes: Option<i64>,
    pub sha256: Option<String>,
    /// Rows of the main tables at the time (patients, appointments, visits, payments...).
    pub row_counts: BTreeMap<String, i64>,
    pub verified_at: Option<DateTime<Utc>>,
    /// Why it failed, or what differed.
    pub detail: Option<String>,
    pub pruned_at: Option<DateTime<Utc>>,
    /// When an admin last read it back with the clinic's recovery key (its passphrase) and the
    /// plain dump came back as it was taken.
    pub key_proven_at: Option<DateTime<Utc>>,
}

/// "Último respaldo verificado", for the admin window and the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupHealth {
    pub configured: bool,
    pub last_verified_at: Option<DateTime<Utc>>,
    /// No verified backup in the last 48 hours (or none at all).
    pub stale: bool,
    /// The last attempt failed or did not match.
    pub last_failed: bool,
    /// On the desk that takes them: the newest verified backup's file is gone from its folder or
    /// no longer has the checksum it was written with (the record alone does not make it green).
    pub file_differs: bool,
}

/// What a backup file holds, read with the passphrase, before restoring it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct BackupPreview {
    /// The token that names the decrypted copy for `restore_backup` (kept in this desk's private
    /// folder until restored or the app closes).
    pub token: Uuid,
    pub file_name: String,
    /// When it was taken, from the clinic's record of it (`None`: a file the database does not know).
    pub taken_at: Option<DateTime<Utc>>,
    pub row_counts: BTreeMap<String, i64>,
    /// What the clinic's database holds now, to name what a restore would lose.
    pub current_counts: BTreeMap<String, i64>,
    /// The database the restore will be kept beside, under another name.
    pub database: String,
}

/// A database kept after a restore (the clinic's data before it), until an admin drops it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct KeptDatabase {
    pub name: String,
    pub bytes: i64,
}

/// The tables whose counts the admin window shows (the others are counted and compared too).
pub const SHOWN_TABLES: [&str; 8] =
    ["patients", "appointments", "visits", "charges", "payments", "expenses", "cash_sessions", "audit_log"];

pub fn shown(counts: &BTreeMap<String, i64>) -> BTreeMap<String, i64> {
    counts.iter().filter(|(t, _)| SHOWN_TABLES.contains(&t.as_str())).map(|(t, n)| (t.clone(), *n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> BackupSettingsInput {
        BackupSettingsInput {
            runner_desk: " Recepción 1 ".into(),
            // An absolute folder on the platform the test runs on (Windows needs a drive or a share).
            folder: if cfg!(windows) { r"D:\respaldos" } else { "/media/usb/respaldos" }.into(),
            daily_at: "21:30".into(),
            enabled: true,
            passphrase: Some("caballo correcto batería".into()),
            passphrase_again: Some("caballo correcto batería".into()),
        }
    }

    #[test]
    fn settings_are_checked_field_by_field() {
        let ok = input().parse(false).unwrap();
        assert_eq!((ok.runner_desk.as_str(), ok.daily_at.to_string().as_str()), ("Recepción 1", "21:30:00"));
        let bad = BackupSettingsInput { folder: "respaldos".into(), ..input() };
        assert_eq!(bad.parse(false).err(), Some(AppError::validation("folder", "absolute_path")));
        let bad = BackupSettingsInput { daily_at: "25:00".into(), ..input() };
        assert_eq!(bad.parse(false).err(), Some(AppError::validation("dailyAt", "time_format")));
        let bad = BackupSettingsInput { passphrase: Some("corta".into()), ..input() };
        assert_eq!(bad.parse(false).err(), Some(AppError::validation("passphrase", "passphrase_too_short")));
        let bad = BackupSettingsInput { passphrase_again: Some("otra cosa distinta".into()), ..input() };
        assert_eq!(bad.parse(false).err(), Some(AppError::validation("passphraseAgain", "passphrase_mismatch")));
        // The first set-up needs a passphrase; later saves keep the key without one.
        let keep = BackupSettingsInput { passphrase: None, passphrase_again: None, ..input() };
        assert_eq!(keep.clone().parse(false).err(), Some(AppError::validation("passphrase", "required")));
        assert!(keep.parse(true).unwrap().passphrase.is_none());
    }
}
