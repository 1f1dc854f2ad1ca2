//! A backup file on the clinic's chosen folder: the dump encrypted with age to the recovery key,
//! written beside its final name and renamed once on disk, with its SHA-256 (recorded, and checked
//! when the file is read back). Blocking I/O: call these off the async runtime.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use podoclinic_clinic::error::{AppError, AppResult};

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub bytes: u64,
    /// Hex SHA-256 of the encrypted file.
    pub sha256: String,
    /// Hex SHA-256 of the plain dump it holds (what decrypting it must give back).
    pub plain_sha256: String,
}

/// Hashes what is read through it.
struct HashingRead<R: Read> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Read for HashingRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

/// Counts and hashes what passes through to the file.
struct Hashing<W: Write> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn io(e: std::io::Error) -> AppError {
    AppError::internal(format_args!("backup file: {e}"))
}

/// Encrypts `plain` to `recipient` ("age1…") into `out`.
pub fn encrypt(plain: &Path, recipient: &str, out: &Path) -> AppResult<Written> {
    let recipient: age::x25519::Recipient = recipient.parse().map_err(AppError::internal)?;
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
        .map_err(AppError::internal)?;
    let part = out.with_extension("part");
    let file = File::create(&part).map_err(io)?;
    let mut hashing = Hashing { inner: BufWriter::new(file), hash: Sha256::new(), bytes: 0 };
    let mut writer = encryptor.wrap_output(&mut hashing).map_err(io)?;
    let mut reading = HashingRead { inner: BufReader::new(File::open(plain).map_err(io)?), hash: Sha256::new() };
    std::io::copy(&mut reading, &mut writer).map_err(io)?;
    writer.finish().map_err(io)?;
    hashing.flush().map_err(io)?;
    let Hashing { inner, hash, bytes } = hashing;
    inner.into_inner().map_err(|e| io(e.into_error()))?.sync_all().map_err(io)?;
    std::fs::rename(&part, out).map_err(io)?;
    Ok(Written { bytes, sha256: hex(&hash.finalize()), plain_sha256: hex(&reading.hash.finalize()) })
}

/// The SHA-256 of a file as it is on disk now.
pub fn sha256_of(path: &Path) -> AppResult<String> {
    let mut file = BufReader::new(File::open(path).map_err(io)?);
    let mut hash = Sha256::new();
    let mut buf = vec![0; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            return Ok(hex(&hash.finalize()));
        }
        hash.update(&buf[..n]);
    }
}

/// The SHA-256 of what the backup `sealed` decrypts to with the recovery key's private half,
/// without writing it anywhere.
pub fn plain_sha256(sealed: &Path, identity: &age::x25519::Identity) -> AppResult<String> {
    let mut reader = open(sealed, identity)?;
    let mut hashing = Hashing { inner: std::io::sink(), hash: Sha256::new(), bytes: 0 };
    std::io::copy(&mut reader, &mut hashing).map_err(|_| AppError::validation("file", "backup_checksum_mismatch"))?;
    Ok(hex(&hashing.hash.finalize()))
}

/// The backup `sealed`'s plain stream, read with the recovery key's private half. A file changed
/// anywhere (its header, or a byte of its body, which age authenticates chunk by chunk) is
/// `backup_damaged`, named as such, never an internal error.
fn open(sealed: &Path, identity: &age::x25519::Identity) -> AppResult<impl Read> {
    let decryptor = age::Decryptor::new_buffered(BufReader::new(File::open(sealed).map_err(io)?))
        .map_err(|_| AppError::validation("file", "not_a_backup"))?;
    match decryptor.decrypt(std::iter::once(identity as &dyn age::Identity)) {
        Ok(reader) => Ok(reader),
        Err(age::DecryptError::NoMatchingKeys | age::DecryptError::DecryptionFailed) => {
            Err(AppError::validation("passphrase", "other_recovery_key"))
        }
        Err(age::DecryptError::Io(e)) => Err(io(e)),
        Err(_) => Err(damaged()),
    }
}

fn damaged() -> AppError {
    AppError::validation("file", "backup_damaged")
}

/// Decrypts the backup `sealed` with the recovery key's private half into `out`.
pub fn decrypt(sealed: &Path, identity: &age::x25519::Identity, out: &Path) -> AppResult<()> {
    let mut reader = open(sealed, identity)?;
    let mut file = BufWriter::new(File::create(out).map_err(io)?);
    // age answers a chunk that fails its authentication as InvalidData: the file was changed.
    std::io::copy(&mut reader, &mut file)
        .map_err(|e| if e.kind() == std::io::ErrorKind::InvalidData { damaged() } else { io(e) })?;
    file.flush().map_err(io)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::key::RecoveryKey;

    #[test]
    fn a_backup_reads_back_with_its_key_only_and_its_checksum_is_the_files() {
        let dir = std::env::temp_dir().join(format!("podoclinic-backup-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let plain = dir.join("dump");
        let content: Vec<u8> = (0..300_000u32).flat_map(|i| i.to_le_bytes()).collect();
        std::fs::write(&plain, &content).unwrap();
        let key = RecoveryKey::create_with_work("una frase de respaldo", Some(10)).unwrap();
        let sealed = dir.join("backup.age");
        let written = encrypt(&plain, &key.recipient, &sealed).unwrap();
        assert_eq!(written.sha256, sha256_of(&sealed).unwrap());
        assert_eq!(written.bytes, std::fs::metadata(&sealed).unwrap().len());
        assert!(!dir.join("backup.part").exists());
        let on_disk = std::fs::read(&sealed).unwrap();
        assert!(!on_disk.windows(64).any(|w| w == &content[..64]), "nothing of the dump in clear");

        let back = dir.join("back");
        decrypt(&sealed, &key.unseal("una frase de respaldo").unwrap(), &back).unwrap();
        assert_eq!(std::fs::read(&back).unwrap(), content);
        let other = RecoveryKey::create_with_work("otra frase de respaldo", Some(10)).unwrap();
        let refused = decrypt(&sealed, &other.unseal("otra frase de respaldo").unwrap(), &dir.join("no"));
        assert_eq!(refused.unwrap_err(), AppError::validation("passphrase", "other_recovery_key"));

        // A copy with one byte changed in its body is damaged, and says so; one changed in its
        // header is refused by name too (damaged, not a backup, or, in the recipient's stanza,
        // sealed to another key: age cannot tell those apart), never an internal error.
        let identity = key.unseal("una frase de respaldo").unwrap();
        let flipped_at = |at: usize| {
            let mut flipped = on_disk.clone();
            flipped[at] ^= 0x01;
            let copy = dir.join(format!("copia-{at}.age"));
            std::fs::write(&copy, &flipped).unwrap();
            decrypt(&copy, &identity, &dir.join("no")).unwrap_err()
        };
        assert_eq!(flipped_at(on_disk.len() / 2), AppError::validation("file", "backup_damaged"));
        assert_eq!(flipped_at(on_disk.len() - 1), AppError::validation("file", "backup_damaged"));
        for at in [5, 30, 60, 100, 150] {
            let refused = flipped_at(at);
            assert!(matches!(refused, AppError::Validation { .. }), "byte {at}: {refused:?}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
