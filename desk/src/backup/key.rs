//! The clinic's recovery key: an age X25519 key pair made once, at set-up. Backups are encrypted
//! to its public half (a scheduled backup needs no secret at hand); its private half is kept only
//! sealed with the recovery passphrase (age's scrypt), never in clear, and is opened with the
//! passphrase to read a backup back.

use std::io::{Read, Write};

use age::secrecy::{ExposeSecret, SecretString};

use podoclinic_clinic::error::{AppError, AppResult};

/// The shortest recovery passphrase accepted (a phrase of a few words, written down and kept
/// away from the desks).
pub const MIN_PASSPHRASE: usize = 12;

/// scrypt's work factor for the sealed key (log2 of N, with r = 8: 256 MiB and about a second per
/// guess on a desk), stated rather than left to age's calibration on whichever desk sets it up.
pub const SCRYPT_WORK_FACTOR: u8 = 18;

/// Words that make a passphrase easy to guess here, whatever else zxcvbn knows.
const CLINIC_WORDS: [&str; 5] = ["podoclinic", "podologia", "podología", "clinica", "clínica"];

/// A recovery passphrase long enough, and strong enough by zxcvbn's estimate of how password
/// crackers guess (its top score: 10^10 guesses or more), names the field otherwise.
pub fn check_passphrase(passphrase: &str) -> AppResult<()> {
    if passphrase.trim().chars().count() < MIN_PASSPHRASE {
        return Err(AppError::validation("passphrase", "passphrase_too_short"));
    }
    if passphrase.chars().count() > 1024 {
        return Err(AppError::validation("passphrase", "too_long"));
    }
    if zxcvbn::zxcvbn(passphrase, &CLINIC_WORDS).score() < zxcvbn::Score::Four {
        return Err(AppError::validation("passphrase", "passphrase_weak"));
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryKey {
    /// The public half ("age1…"): what backups are encrypted to.
    pub recipient: String,
    /// The private half, age-encrypted to the passphrase.
    pub sealed: Vec<u8>,
}

impl RecoveryKey {
    /// A new key sealed with `passphrase` at `SCRYPT_WORK_FACTOR`. CPU-heavy (scrypt): call it off
    /// the async runtime.
    pub fn create(passphrase: &str) -> AppResult<Self> {
        Self::create_with_work(passphrase, Some(SCRYPT_WORK_FACTOR))
    }

    /// `create` with scrypt's work factor set (tests use a small one; `None`: age's calibration).
    pub fn create_with_work(passphrase: &str, work_factor: Option<u8>) -> AppResult<Self> {
        check_passphrase(passphrase)?;
        let identity = age::x25519::Identity::generate();
        let recipient = identity.to_public().to_string();
        let mut by_passphrase = age::scrypt::Recipient::new(SecretString::from(passphrase.to_owned()));
        if let Some(log_n) = work_factor {
            by_passphrase.set_work_factor(log_n);
        }
        let encryptor = age::Encryptor::with_recipients(std::iter::once(&by_passphrase as &dyn age::Recipient))
            .map_err(AppError::internal)?;
        let mut sealed = Vec::new();
        let mut writer = encryptor.wrap_output(&mut sealed).map_err(AppError::internal)?;
        writer.write_all(identity.to_string().expose_secret().as_bytes()).map_err(AppError::internal)?;
        writer.finish().map_err(AppError::internal)?;
        Ok(Self { recipient, sealed })
    }

    /// The private half, with the passphrase; a wrong one is refused naming the field.
    /// CPU-heavy (scrypt): call it off the async runtime.
    pub fn unseal(&self, passphrase: &str) -> AppResult<age::x25519::Identity> {
        let decryptor = age::Decryptor::new(&self.sealed[..]).map_err(AppError::internal)?;
        let by_passphrase = age::scrypt::Identity::new(SecretString::from(passphrase.to_owned()));
        let mut reader = match decryptor.decrypt(std::iter::once(&by_passphrase as &dyn age::Identity)) {
            Ok(reader) => reader,
            Err(age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys) => {
                return Err(AppError::validation("passphrase", "wrong_passphrase"));
            }
            Err(e) => return Err(AppError::internal(e)),
        };
        let mut text = String::new();
        reader.read_to_string(&mut text).map_err(AppError::internal)?;
        text.trim().parse::<age::x25519::Identity>().map_err(AppError::internal)
    }
}

#[cfg(test)]
mod tests {
    use super::RecoveryKey;
    use podoclinic_clinic::error::AppError;

    #[test]
    fn the_private_half_opens_with_the_passphrase_only() {
        let key = RecoveryKey::create_with_work("tres pies y un tobillo", Some(10)).unwrap();
        assert!(key.recipient.starts_with("age1"));
        let opened = key.unseal("tres pies y un tobillo").unwrap();
        assert_eq!(opened.to_public().to_string(), key.recipient);
        assert_eq!(
            key.unseal("tres pies y un tobillO").err(),
            Some(AppError::validation("passphrase", "wrong_passphrase"))
        );
        assert!(!String::from_utf8_lossy(&key.sealed).contains("AGE-SECRET-KEY"), "never in clear");
        assert_eq!(
            RecoveryKey::create("corta").unwrap_err(),
            AppError::validation("passphrase", "passphrase_too_short")
        );
    }

    #[test]
    fn a_passphrase_must_be_hard_to_guess_not_only_long() {
        for weak in ["passwordpassword", "123456789012", "aaaaaaaaaaaa", "Podoclinic2026", "clinica12345"] {
            assert_eq!(
                super::check_passphrase(weak).unwrap_err(),
                AppError::validation("passphrase", "passphrase_weak"),
                "{weak}"
            );
        }
        for strong in ["tres pies y un tobillo", "huellas en la arena mojada", "respaldo de la clínica 2026"] {
            super::check_passphrase(strong).unwrap();
        }
    }

    /// The sealed key says how it was sealed: age's scrypt stanza names its work factor, and it is
    /// the one stated here, not one age picked on the desk that set it up.
    #[test]
    fn the_sealed_key_uses_the_stated_scrypt_work_factor() {
        let key = RecoveryKey::create("tres pies y un tobillo").unwrap();
        let header = String::from_utf8_lossy(&key.sealed[..key.sealed.len().min(200)]).to_string();
        let stanza = header.lines().find(|l| l.starts_with("-> scrypt ")).expect("an scrypt stanza");
        assert_eq!(stanza.split(' ').nth(3), Some(super::SCRYPT_WORK_FACTOR.to_string().as_str()), "{stanza}");
        assert_eq!(super::SCRYPT_WORK_FACTOR, 18);
        key.unseal("tres pies y un tobillo").unwrap();
    }
}
