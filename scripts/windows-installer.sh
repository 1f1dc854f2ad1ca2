#!/usr/bin/env bash
# A Windows installer (NSIS .exe) for the reception desks, made on this Linux machine with the
# Tauri bundler, then installed and uninstalled under Wine to check it:
#   bash scripts/windows-installer.sh
# The app is cross-built for x86_64-pc-windows-gnu in release (project CLI, `tauri build
# --no-bundle`), then bundled: per-user install, Spanish, WebView2Loader.dll beside the app, and
# WebView2 itself fetched by Microsoft's bootstrapper at install time. The installer lands in
# $CARGO_TARGET_DIR-win/x86_64-pc-windows-gnu/release/bundle/nsis/.
#
# The bundler needs one file from GitHub: its NSIS plugin nsis_tauri_utils.dll, which it downloads
# on every run and checks against the SHA-1 pinned in that bundler. Where github.com is not
# reachable, name a copy in PODOCLINIC_NSIS_TAURI_UTILS; this script serves it to the bundler
# through a mirror on loopback (TAURI_BUNDLER_TOOLS_GITHUB_MIRROR_TEMPLATE, the bundler's own
# setting for mirrors) and picks the bundler by the copy's SHA-1, from the two pairs below:
#   v0.5.3: the project's CLI (2.12.5, bundler 2.10), the one to use;
#   v0.4.1: CLI 2.2.5 (bundler 2.2.2, January 2025), the newest that pins v0.4.1 and still puts
#           WebView2Loader.dll in a -gnu installer (bundlers 2.2.0-2.2.1 leave it out, and the
#           app then cannot start). Older installer template; for when only that plugin is at hand.
# Any other file is refused. PODOCLINIC_INSTALLER_CHECK=0 skips the Wine check.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
set -euo pipefail

UTILS_RELEASES=tauri-apps/nsis-tauri-utils/releases/download
declare -A PLUGIN_TAG=([75197fee3c6a814fe035788d1c34ead39349b860]=v0.5.3 [f99a50209a345185a84d34d0e5f66d04c75ff52f]=v0.4.1)
declare -A PLUGIN_CLI=([v0.5.3]=project [v0.4.1]=2.2.5)
CURRENT_TAG=v0.5.3

ensure_toolchains
rustup target list --installed 2>/dev/null | grep -qx x86_64-pc-windows-gnu || rustup target add x86_64-pc-windows-gnu
command -v x86_64-w64-mingw32-gcc >/dev/null || ensure_packages mingw-w64
command -v makensis >/dev/null || ensure_packages nsis

mirror_pid=
trap '[ -n "$mirror_pid" ] && kill "$mirror_pid" 2>/dev/null || true' EXIT
tag=$CURRENT_TAG
if [ -n "${PODOCLINIC_NSIS_TAURI_UTILS:-}" ]; then
  got=$(sha1sum "$PODOCLINIC_NSIS_TAURI_UTILS" | cut -d' ' -f1)
  tag=${PLUGIN_TAG[$got]:-}
  [ -n "$tag" ] || {
    echo "$PODOCLINIC_NSIS_TAURI_UTILS is not a nsis_tauri_utils.dll a pinned bundler takes (SHA-1 $got;" \
      "wanted ${!PLUGIN_TAG[*]})" >&2
    exit 1
  }
  mirror=$(mktemp -d)
  mkdir -p "$mirror/$UTILS_RELEASES/nsis_tauri_utils-$tag"
  cp "$PODOCLINIC_NSIS_TAURI_UTILS" "$mirror/$UTILS_RELEASES/nsis_tauri_utils-$tag/nsis_tauri_utils.dll"
  port=$((40000 + RANDOM % 20000))
  (cd "$mirror" && exec python3 -m http.server --bind 127.0.0.1 "$port" >/dev/null 2>&1) &
  mirror_pid=$!
  sleep 1
  export TAURI_BUNDLER_TOOLS_GITHUB_MIRROR_TEMPLATE="http://127.0.0.1:$port/<owner>/<repo>/releases/download/<version>/<asset>"
elif [ -z "${TAURI_BUNDLER_TOOLS_GITHUB_MIRROR:-}${TAURI_BUNDLER_TOOLS_GITHUB_MIRROR_TEMPLATE:-}" ] &&
  ! curl -fsSI --max-time 15 "https://github.com/$UTILS_RELEASES/nsis_tauri_utils-$CURRENT_TAG/nsis_tauri_utils.dll" >/dev/null 2>&1; then
  cat >&2 <<MSG
github.com is not reachable from this machine, and the Tauri bundler downloads its NSIS plugin
from there on every run:
  https://github.com/$UTILS_RELEASES/nsis_tauri_utils-$CURRENT_TAG/nsis_tauri_utils.dll  (SHA-1 75197fee3c6a814fe035788d1c34ead39349b860)
Copy that file here from a machine that reaches GitHub and run
  PODOCLINIC_NSIS_TAURI_UTILS=/path/to/nsis_tauri_utils.dll bash scripts/windows-installer.sh
(the v0.4.1 release, SHA-1 f99a50209a345185a84d34d0e5f66d04c75ff52f, is taken too, with an older
bundler), or point TAURI_BUNDLER_TOOLS_GITHUB_MIRROR_TEMPLATE at a mirror of GitHub's release files
(e.g. https://mirror.example/<owner>/<repo>/releases/download/<version>/<asset>).
MSG
  exit 2
fi

build_ui
export CARGO_TARGET_DIR="$CARGO_TARGET_DIR-win"
release="$CARGO_TARGET_DIR/x86_64-pc-windows-gnu/release"
say "Building the app for Windows (release)"
(cd "$ROOT/ui" && TAURI_APP_PATH=../src-tauri npx tauri build --target x86_64-pc-windows-gnu --no-bundle)

cli=(npx tauri)
if [ "${PLUGIN_CLI[$tag]}" != project ]; then
  say "Plugin $tag: bundling with @tauri-apps/cli@${PLUGIN_CLI[$tag]}, the bundler that pins it"
  cli=(npx --yes "@tauri-apps/cli@${PLUGIN_CLI[$tag]}")
fi
say "Bundling the installer (NSIS)"
rm -f "$release"/bundle/nsis/*-setup.exe
(cd "$ROOT/ui" && TAURI_APP_PATH=../src-tauri "${cli[@]}" bundle --target x86_64-pc-windows-gnu \
  --config '{"bundle":{"targets":["nsis"]}}')
installer=$(ls "$release"/bundle/nsis/*-setup.exe)
say "Installer: $installer ($(stat -c %s "$installer") bytes; podoclinic.exe $(stat -c %s "$release/podoclinic.exe") bytes)"

[ "${PODOCLINIC_INSTALLER_CHECK:-1}" = 0 ] && exit 0
# The check: a silent install into a fresh Wine prefix, then the silent uninstall. NSIS installers
# are 32-bit programs, so Wine needs its i386 half. WebView2 is registered as present: the
# bootstrapper's download from Microsoft is the one step only a real Windows machine shows.
say "Checking the installer under Wine (install, uninstall)"
if ! dpkg-query -W -f='${Status}' wine32:i386 2>/dev/null | grep -q "install ok installed"; then
  dpkg --print-foreign-architectures | grep -qx i386 || as_root dpkg --add-architecture i386
  ensure_packages wine wine64 wine32:i386
fi
ensure_display
export WINEPREFIX
WINEPREFIX=$(mktemp -d)
trap '[ -n "$mirror_pid" ] && kill "$mirror_pid" 2>/dev/null; [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null; wineserver -k 2>/dev/null; rm -rf "$WINEPREFIX"' EXIT
export WINEDEBUG=-all
wine wineboot -i >/dev/null 2>&1
wine reg add 'HKCU\SOFTWARE\Microsoft\EdgeUpdate\Clients\{F3017226-FE2A-4295-8BDF-00C3A9A7E4C5}' \
  /v pv /t REG_SZ /d 131.0.2903.70 /f >/dev/null
wine "$installer" /S
home="$WINEPREFIX/drive_c/users/$(id -un)"
dir="$home/AppData/Local/Podoclinic"
uninstall_key='HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\Podoclinic'
for f in podoclinic.exe WebView2Loader.dll uninstall.exe; do
  [ -f "$dir/$f" ] || { echo "The installer left no $f in %LOCALAPPDATA%\\Podoclinic" >&2; exit 1; }
done
cmp -s "$dir/podoclinic.exe" "$release/podoclinic.exe" || { echo "The installed podoclinic.exe is not the one built" >&2; exit 1; }
[ -f "$home/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Podoclinic.lnk" ] ||
  { echo "The installer made no Start menu shortcut" >&2; exit 1; }
wine reg query "$uninstall_key" >/dev/null 2>&1 || { echo "The installer registered no uninstaller" >&2; exit 1; }
wine "$dir/uninstall.exe" /S
for _ in $(seq 30); do [ -e "$dir" ] || break; sleep 1; done # it runs on from a copy in %TEMP%
[ ! -e "$dir" ] || { echo "The uninstaller left $dir behind" >&2; exit 1; }
! wine reg query "$uninstall_key" >/dev/null 2>&1 || { echo "The uninstaller left its registry key" >&2; exit 1; }
say "Installer checked under Wine: per-user install of the built app, WebView2Loader.dll, Start menu shortcut; clean uninstall"
