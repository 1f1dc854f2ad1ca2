//! The system's PostgreSQL programs: where they are installed and which major each belongs to.
//! The embedded cluster runs its server from them, and backups take `pg_dump` and `pg_restore`
//! of the server's major from them.

use std::path::{Path, PathBuf};

use tokio::process::Command;

use crate::platform;

/// Overrides where the PostgreSQL binaries are looked for.
pub const PG_BIN_ENV: &str = "PODOCLINIC_PG_BIN";

/// A PostgreSQL program in a binaries folder (`pg_ctl`, `pg_ctl.exe` on Windows).
pub fn program(bin: &Path, name: &str) -> PathBuf {
    bin.join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

pub(crate) fn has_server_binaries(dir: &Path) -> bool {
    program(dir, "initdb").is_file() && program(dir, "pg_ctl").is_file()
}

/// The PostgreSQL majors installed the system's way (`/usr/lib/postgresql/<major>/bin` on
/// Debian, `Program Files\PostgreSQL\<major>\bin` on Windows: `platform::postgres_installs`),
/// oldest first.
pub fn installed_majors() -> Vec<(u32, PathBuf)> {
    let mut versions: Vec<(u32, PathBuf)> = platform::postgres_installs()
        .iter()
        .flat_map(|root| std::fs::read_dir(root).into_iter().flatten().flatten())
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has_server_binaries(&bin).then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions
}

/// Finds `initdb` and `pg_ctl` for a new cluster: the override, then Debian's versioned folders
/// (newest first), then PATH.
pub fn find_binaries() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(PG_BIN_ENV).map(PathBuf::from) {
        return has_server_binaries(&dir).then_some(dir);
    }
    if let Some((_, bin)) = installed_majors().pop() {
        return Some(bin);
    }
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|d| has_server_binaries(d))
}

/// The major of the binaries in `bin`, from `pg_ctl --version`.
pub async fn binaries_major(bin: &Path) -> Option<u32> {
    program_major(&program(bin, "pg_ctl")).await
}

/// The PostgreSQL major a program of PostgreSQL's belongs to, from its `--version`.
pub async fn program_major(program: &Path) -> Option<u32> {
    let out = Command::new(program).arg("--version").output().await.ok()?;
    version_major(&String::from_utf8_lossy(&out.stdout))
}

/// "pg_ctl (PostgreSQL) 15.19 (Debian 15.19-0+deb12u1)" → 15; "… 17beta1" → 17.
fn version_major(text: &str) -> Option<u32> {
    let version = text.split("(PostgreSQL) ").nth(1)?.split_whitespace().next()?;
    version.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_major_is_read_from_what_pg_ctl_prints() {
        assert_eq!(super::version_major("pg_ctl (PostgreSQL) 15.19 (Debian 15.19-0+deb12u1)\n"), Some(15));
        assert_eq!(super::version_major("pg_ctl (PostgreSQL) 17beta1"), Some(17));
        assert_eq!(super::version_major("pg_ctl (PostgreSQL) 9.6.24"), Some(9));
        assert_eq!(super::version_major("something else"), None);
    }
}
