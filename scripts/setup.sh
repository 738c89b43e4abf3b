#!/usr/bin/env bash
# Installs what Ganglion needs beyond the Swift toolchain: SUNDIALS CVODE (Debian libsundials-dev).
# Safe to run repeatedly: it installs only what is missing.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if ! dpkg -s libsundials-dev >/dev/null 2>&1; then
    echo "setup: installing libsundials-dev (SUNDIALS CVODE; about a minute)..." >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libsundials-dev >/dev/null
fi
command -v swift >/dev/null || { echo "setup: the Swift 6 toolchain (swift) is not on PATH" >&2; exit 1; }
