//! Where the desk keeps the documents it makes (receipts, cortes, tables, diagnostics), and the
//! opening of one by name. What goes in them is the clinic's (`podoclinic_clinic::documents`).

use std::path::PathBuf;

use podoclinic_clinic::audit::{self, Action, Entry};
use podoclinic_clinic::auth::Ctx;
use podoclinic_clinic::error::{AppError, AppResult};

use crate::state::Paths;

/// The desk's documents folder.
pub fn folder(paths: &Paths) -> PathBuf {
    paths.data_dir.join("documents")
}

/// The path of a saved document (its showing is audited), given its plain file name in the documents folder (no folders,
/// no hidden files, only the kinds this app writes). Anything else is "not found".
pub async fn saved(ctx: &Ctx, paths: &Paths, name: &str) -> AppResult<PathBuf> {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && (name.ends_with(".pdf") || name.ends_with(".csv"))
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    let path = folder(paths).join(name);
    if !plain || !tokio::fs::try_exists(&path).await.unwrap_or(false) {
        return Err(AppError::not_found("document"));
    }
    audit::record(&ctx.pool, &ctx.actor, Entry::new(Action::DocumentOpen, "document", name)).await?;
    Ok(path)
}
