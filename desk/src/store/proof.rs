//! What makes a kept write its author's, and an offline sign-in the user's: the user's outbox key.
//!
//! The key is the server's (`outbox_key` in migration 20: derived from a secret no desk login can
//! read, for one user and one generation of their credentials). The desk gets it at an online
//! sign-in, holds it in memory while the user is signed in, and keeps it on disk only sealed:
//! ChaCha20-Poly1305 under a key argon2id derives from the password. Opening the seal is the
//! offline password check, so the disk holds no password hash, and a sign-in forged into the file
//! opens to a key the server never issued. Each kept write carries an HMAC-SHA-256 under the key,
//! over everything the server will act on; the server's key checks it before the write is sent.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;
use zeroize::Zeroizing;

use podoclinic_clinic::error::{AppError, AppResult};
use podoclinic_store::outbox::{New, Proof};

const KEY_LEN: usize = 32;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 12;

/// One user's outbox key for one generation of their credentials.
#[derive(Clone)]
pub struct OutboxKey {
    pub user_id: Uuid,
    pub generation: i64,
    key: Zeroizing<[u8; KEY_LEN]>,
}

impl std::fmt::Debug for OutboxKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboxKey").field("user_id", &self.user_id).field("generation", &self.generation).finish()
    }
}

/// The key as sealed on the desk's disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub salt: Vec<u8>,
    /// Nonce, then ciphertext and tag.
    pub sealed: Vec<u8>,
}

impl OutboxKey {
    /// The key as the server gave it (32 bytes), or `None` for anything else.
    pub fn from_server(user_id: Uuid, generation: i64, bytes: &[u8]) -> Option<OutboxKey> {
        let key: [u8; KEY_LEN] = bytes.try_into().ok()?;
        Some(OutboxKey { user_id, generation, key: Zeroizing::new(key) })
    }

    /// The MAC of what a proof covers: every field of the write the server acts on (its proof
    /// aside), each length-prefixed, and the key's generation.
    fn mac(&self, w: &New<'_>) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&*self.key).expect("HMAC takes any key length");
        let created = w.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        mac.update(b"podoclinic outbox v1");
        mac.update(w.id.as_bytes());
        mac.update(w.user_id.as_bytes());
        mac.update(&self.generation.to_be_bytes());
        for field in [w.kind.as_bytes(), w.payload.as_bytes(), created.as_bytes()] {
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field);
        }
        mac
    }

    /// The proof of a write this key's user makes.
    pub fn prove(&self, w: &New<'_>) -> Proof {
        Proof { generation: self.generation, mac: self.mac(w).finalize().into_bytes().to_vec() }
    }

    /// Whether `proof` is this key's for `w` (constant time).
    pub fn verifies(&self, w: &New<'_>, proof: &Proof) -> bool {
        proof.generation == self.generation && w.user_id == self.user_id && self.mac(w).verify_slice(&proof.mac).is_ok()
    }

    /// Seals the key under `password` (argon2id with a fresh salt, then ChaCha20-Poly1305 with a
    /// fresh nonce; the user and generation are bound in as associated data).
    pub async fn seal(&self, password: &str) -> AppResult<Sealed> {
        let mut salt = vec![0u8; SALT_LEN];
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::getrandom(&mut salt).map_err(AppError::internal)?;
        getrandom::getrandom(&mut nonce).map_err(AppError::internal)?;
        let kek = derive(password, salt.clone()).await?;
        let cipher = ChaCha20Poly1305::new_from_slice(&*kek).map_err(AppError::internal)?;
        let aad = associated(self.user_id, self.generation);
        let body = cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: &*self.key, aad: &aad })
            .map_err(AppError::internal)?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&body);
        Ok(Sealed { salt, sealed })
    }

    /// Opens a sealed key with `password`: `None` when the password is not the one it was sealed
    /// under (or the seal, user or generation was changed).
    pub async fn unseal(
        user_id: Uuid,
        generation: i64,
        sealed: &Sealed,
        password: &str,
    ) -> AppResult<Option<OutboxKey>> {
        if sealed.sealed.len() <= NONCE_LEN {
            return Ok(None);
        }
        let kek = derive(password, sealed.salt.clone()).await?;
        let cipher = ChaCha20Poly1305::new_from_slice(&*kek).map_err(AppError::internal)?;
        let (nonce, body) = sealed.sealed.split_at(NONCE_LEN);
        let aad = associated(user_id, generation);
        let Ok(key) = cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad: &aad }) else {
            return Ok(None);
        };
        let key = Zeroizing::new(key);
        Ok(OutboxKey::from_server(user_id, generation, &key))
    }
}

fn associated(user_id: Uuid, generation: i64) -> Vec<u8> {
    let mut aad = b"podoclinic sign-in v1".to_vec();
    aad.extend_from_slice(user_id.as_bytes());
    aad.extend_from_slice(&generation.to_be_bytes());
    aad
}

/// The sealing key: argon2id (the crate's defaults, as the server's password hashes: 19 MiB, two
/// passes), on a blocking thread.
async fn derive(password: &str, salt: Vec<u8>) -> AppResult<Zeroizing<[u8; KEY_LEN]>> {
    let password = Zeroizing::new(password.as_bytes().to_vec());
    tokio::task::spawn_blocking(move || {
        let mut kek = Zeroizing::new([0u8; KEY_LEN]);
        argon2::Argon2::default().hash_password_into(&password, &salt, &mut *kek).map_err(AppError::internal)?;
        Ok(kek)
    })
    .await?
}

/// The user's outbox key from the server: of `generation`, or of their current one (`None`).
/// `None` back: no such user, or a generation the user never had.
pub async fn from_server(pool: &sqlx::PgPool, user_id: Uuid, generation: Option<i64>) -> AppResult<Option<OutboxKey>> {
    let Ok(wanted) = generation.map(i32::try_from).transpose() else { return Ok(None) };
    let row =
        sqlx::query!(r#"SELECT generation AS "generation!", key AS "key!" FROM outbox_key($1, $2)"#, user_id, wanted)
            .fetch_optional(pool)
            .await?;
    Ok(row.and_then(|r| OutboxKey::from_server(user_id, r.generation.into(), &r.key)))
}

/// Each remembered user's generation and active flag as the server has them now.
pub async fn credentials(pool: &sqlx::PgPool, users: &[Uuid]) -> AppResult<Vec<(Uuid, i64, bool)>> {
    let rows = sqlx::query!(r#"SELECT id, credential_generation, active FROM users WHERE id = ANY($1)"#, users)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.credential_generation.into(), r.active)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> OutboxKey {
        OutboxKey::from_server(Uuid::now_v7(), 2, &[5u8; 32]).unwrap()
    }

    #[tokio::test]
    async fn a_sealed_key_opens_only_with_its_password_user_and_generation() {
        let k = key();
        let sealed = k.seal("correcta caballo").await.unwrap();
        let opened = OutboxKey::unseal(k.user_id, 2, &sealed, "correcta caballo").await.unwrap().unwrap();
        assert_eq!(*opened.key, *k.key);
        assert!(OutboxKey::unseal(k.user_id, 2, &sealed, "otra").await.unwrap().is_none());
        assert!(OutboxKey::unseal(Uuid::now_v7(), 2, &sealed, "correcta caballo").await.unwrap().is_none());
        assert!(OutboxKey::unseal(k.user_id, 3, &sealed, "correcta caballo").await.unwrap().is_none());
        let mut flipped = sealed.clone();
        flipped.sealed[20] ^= 1;
        assert!(OutboxKey::unseal(k.user_id, 2, &flipped, "correcta caballo").await.unwrap().is_none());
        assert!(!sealed.sealed.windows(32).any(|w| w == [5u8; 32]), "the key is not on disk in clear");
    }

    #[test]
    fn a_proof_covers_every_field_and_the_key() {
        let k = key();
        let at = chrono::Utc::now();
        let w = New {
            id: Uuid::now_v7(),
            user_id: k.user_id,
            kind: "book",
            payload: "{\"a\":1}",
            at,
            proof: None,
            confirmed: true,
        };
        let proof = k.prove(&w);
        assert!(k.verifies(&w, &proof));
        let other = OutboxKey::from_server(k.user_id, 2, &[6u8; 32]).unwrap();
        assert!(!other.verifies(&w, &proof), "another key");
        for changed in [
            New { id: Uuid::now_v7(), ..w },
            New { kind: "cancel", ..w },
            New { payload: "{\"a\":2}", ..w },
            New { at: at + chrono::Duration::seconds(1), ..w },
            New { user_id: Uuid::now_v7(), ..w },
        ] {
            assert!(!k.verifies(&changed, &proof), "{changed:?}");
        }
        // Length prefixes: moving bytes between fields is another write.
        let shifted = New { kind: "bookx", payload: "\"a\":1}", ..w };
        assert!(!k.verifies(&shifted, &k.prove(&w)));
        let mut bad = proof.clone();
        bad.generation = 1;
        assert!(!k.verifies(&w, &bad), "another generation");
    }
}
