#!/usr/bin/env bash
# Runs Podoclinic. With nothing configured it uses a private PostgreSQL cluster in the app's data
# folder and shows a demo clinic. Installs what is missing on Debian first.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_packages "${APP_PACKAGES[@]}"
ensure_toolchains
build_ui
build_rust
ensure_display
say "Starting Podoclinic (demo clinic on the local database)"
export PODOCLINIC_DEMO="${PODOCLINIC_DEMO:-1}"
with_keyring "$CARGO_TARGET_DIR/debug/podoclinic" "$@"
