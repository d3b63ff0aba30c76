#!/bin/sh
# Install Debian's nginx for the forward-auth tests (tests/gateway/test_forward_auth.py),
# if missing. The tests run their own nginx on a loopback port with a config of their own;
# the package's service is never started. Without apt-get (or root), print why and carry
# on: those tests then skip.
set -eu

NGINX=/usr/sbin/nginx

if [ -x "$NGINX" ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_nginx: $NGINX is missing and apt-get is not available;" \
         "the nginx forward-auth tests will be skipped."
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=sudo
    else
        echo "install_nginx: $NGINX is missing and installing it needs root" \
             "(sudo apt-get install nginx-light); the nginx tests will be skipped."
        exit 0
    fi
else
    SUDO=
fi
echo "install_nginx: installing nginx-light with apt-get"
$SUDO apt-get update -qq
# policy-rc.d keeps the package from starting its own nginx on port 80.
printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
$SUDO chmod +x /usr/sbin/policy-rc.d
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx-light >/dev/null || STATUS=$?
$SUDO rm -f /usr/sbin/policy-rc.d
[ "${STATUS:-0}" -eq 0 ] || exit "$STATUS"
echo "install_nginx: $("$NGINX" -v 2>&1)"
