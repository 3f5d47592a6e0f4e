#!/bin/sh
# Installs the Debian 12 packages pwadmin needs to build, test and demo.
# As root it runs apt-get itself; otherwise it prints the exact line and
# stops, so that `make demo' and `make check' work on a fresh machine.
set -eu

PKGS="gcc libc6-dev make pkg-config libpam0g-dev libpam-modules \
libsodium-dev liblmdb-dev lmdb-utils liboath-dev libjansson-dev \
libsystemd-dev libqrencode-dev libcmocka-dev libpam-wrapper libpamtest0-dev \
libnss-wrapper pamtester faketime oathtool mandoc cppcheck util-linux"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "pwadmin needs these Debian packages:$missing" >&2
	echo "Install them as root, then run make again:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
echo "Installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
