#!/bin/sh
# Install Debian's Chromium for the console's browser tests (tests/console), if missing.
# Playwright drives /usr/bin/chromium directly: `playwright install` is never needed.
# Without apt-get (or root), print why and carry on: the browser tests then skip.
set -eu

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_browser: $CHROMIUM is missing and apt-get is not available;" \
         "the console's browser tests will be skipped. Install Chromium at $CHROMIUM to run them."
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=sudo
    else
        echo "install_browser: $CHROMIUM is missing and installing it needs root" \
             "(sudo apt-get install chromium chromium-driver); the browser tests will be skipped."
        exit 0
    fi
else
    SUDO=
fi
echo "install_browser: installing chromium and chromium-driver with apt-get"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
echo "install_browser: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM installed")"
