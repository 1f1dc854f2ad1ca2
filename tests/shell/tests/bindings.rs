//! The committed TypeScript bindings must match the Rust commands. `UPDATE_BINDINGS=1` rewrites them.

use std::path::Path;

#[test]
fn committed_bindings_match_the_rust_commands() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings.ts");
    let fresh = std::env::temp_dir().join(format!("bindings-{}.ts", uuid::Uuid::now_v7()));
    podoclinic::export_bindings(&fresh).expect("bindings export");
    let fresh_text = std::fs::read_to_string(&fresh).unwrap();
    let _ = std::fs::remove_file(&fresh);
    if std::env::var("UPDATE_BINDINGS").is_ok_and(|v| v == "1") {
        std::fs::write(&committed, &fresh_text).unwrap();
        return;
    }
    let committed_text = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        committed_text == fresh_text,
        "ui/src/bindings.ts is stale: run `UPDATE_BINDINGS=1 cargo test -p podoclinic-shell-tests --test bindings`"
    );
}
