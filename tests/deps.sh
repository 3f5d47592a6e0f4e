#!/bin/sh
# Installs the Debian 12 packages pwadmin needs to build, test and demo.
# As root it runs apt-get itself; otherwise it prints the exact line and
# stops, so that `make demo' and `make check' work on a fresh machine.
set -eu

# libcrypt-dev: make bench hashes the stock stack's yescrypt passwords.
# gettext: xgettext and msgfmt build the catalogues (po/); locales: the
# ja_JP.UTF-8 locale the Japanese tests and `make demo-ja' need.
# debhelper (with dh-sequence-installsysusers), dpkg-dev, build-essential
# (dpkg-checkbuilddeps wants it) and lintian: make deb and
# tests/system/test_deb.sh build and check the Debian packages (no
# fakeroot: debian/control says Rules-Requires-Root: no).
# clang and libclang-rt-14-dev (libFuzzer's runtime, which clang does not
# pull in): the fuzzers of make fuzz and make check (tests/fuzz/).
PKGS="gcc libc6-dev make pkg-config libpam0g-dev libpam-modules \
libsodium-dev liblmdb-dev lmdb-utils liboath-dev libjansson-dev \
libsystemd-dev libqrencode-dev libcmocka-dev libpam-wrapper libpamtest0-dev \
libnss-wrapper pamtester faketime oathtool mandoc cppcheck util-linux \
procps binutils openssh-server openssh-client expect systemd man-db strace \
clang libclang-rt-14-dev libpq-dev postgresql-15 postgresql-client-15 openssl \
gettext locales libcrypt-dev \
debhelper dpkg-dev build-essential lintian"

# The Japanese locale, generated the Debian way (locales' /etc/locale.gen,
# then locale-gen), so that it stays when locales is upgraded.
locale_missing() {
	! locale -a 2>/dev/null | grep -qix 'ja_JP\.utf-\?8'
}
add_locale() {
	locale_missing || return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "pwadmin's tests need the ja_JP.UTF-8 locale. As root:" >&2
		echo "  sed -i 's/^# *ja_JP.UTF-8 UTF-8/ja_JP.UTF-8 UTF-8/' /etc/locale.gen && locale-gen" >&2
		exit 1
	fi
	echo "Generating the ja_JP.UTF-8 locale (/etc/locale.gen, locale-gen)"
	grep -q '^ja_JP.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null ||
	    sed -i 's/^# *ja_JP.UTF-8 UTF-8/ja_JP.UTF-8 UTF-8/' /etc/locale.gen
	grep -q '^ja_JP.UTF-8 UTF-8' /etc/locale.gen ||
	    echo 'ja_JP.UTF-8 UTF-8' >>/etc/locale.gen
	locale-gen >/dev/null
	if locale_missing; then
		echo "locale-gen did not make ja_JP.UTF-8" >&2
		exit 1
	fi
}

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	add_locale
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "pwadmin needs these Debian packages:$missing" >&2
	echo "Install them as root, then run make again:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 1
fi
echo "Installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# The sshd test runs a private sshd; the machine itself must not get one
# listening on port 22.  When this script installs openssh-server, it
# first creates /etc/ssh/sshd_not_to_be_run, Debian's switch that keeps
# ssh.service and /etc/init.d/ssh from starting sshd (now and at boot);
# remove that file to run sshd on this machine.
case " $missing " in
*" openssh-server "*)
	if [ ! -e /etc/ssh/sshd_not_to_be_run ]; then
		mkdir -p /etc/ssh
		echo "created by pwadmin's tests/deps.sh: sshd was installed for the tests only" \
		    >/etc/ssh/sshd_not_to_be_run
		echo "openssh-server is installed for the tests only: sshd will not run" \
		    "on this machine (remove /etc/ssh/sshd_not_to_be_run to allow it)"
	fi
	;;
esac
# The fleet tests start their own PostgreSQL clusters in temp dirs
# (tests/pg.sh); the machine gets no cluster of its own from the install:
# postgresql-common reads create_main_cluster from this file.
case " $missing " in
*" postgresql-15 "*)
	if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
		mkdir -p /etc/postgresql-common
		echo "# created by pwadmin's tests/deps.sh: no cluster of its own" \
		    >/etc/postgresql-common/createcluster.conf
		echo "create_main_cluster = false" \
		    >>/etc/postgresql-common/createcluster.conf
	fi
	;;
esac
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends \
	-o Dpkg::Options::=--force-confold $missing
add_locale
