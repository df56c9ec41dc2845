#!/usr/bin/env bash
# Install Debian's Chromium and its matching ChromeDriver for the browser tests (tests/ui).
# Idempotent; needs root (CI runs as root) or sudo. Debian packages only: no browser download.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  echo "install_browser: $(chromedriver --version 2>/dev/null | head -n1) already installed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver
echo "install_browser: $(chromedriver --version | head -n1)"
