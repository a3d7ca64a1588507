#!/usr/bin/env bash
# Debian's Chromium for the JupyterLab browser tests (Playwright drives it via executable_path;
# it cannot download a browser of its own here).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" = "0" ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
chromium --version
