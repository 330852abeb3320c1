#!/usr/bin/env bash
# Installs the Debian packages Bulwark builds and tests with, if any are missing.
# Sourced by scripts/run and scripts/test; safe to run on its own.
set -euo pipefail

bulwark_install_deps() {
    local wanted=(pkg-config libjpeg62-turbo-dev libpng-dev libwebp-dev libgif-dev zlib1g-dev "$@")
    local missing=()
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "==> installing Debian packages: ${missing[*]}" >&2
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "error: need root (or sudo) to install: ${missing[*]}" >&2; return 1; }
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    bulwark_install_deps "$@"
fi
