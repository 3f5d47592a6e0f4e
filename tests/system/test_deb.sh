#!/bin/bash
# The Debian packages (debian/, make deb) on this machine: built from the
# tracked files, lintian clean, installed with apt-get, their files, the
# conffile, the sysusers user, the enabled socket, the installed daemon on
# its default paths with the installed client and module (pamtester under
# pam_wrapper, fake users from nss_wrapper: /etc/pam.d is never touched),
# reinstall keeping an edited configuration, the profile taken out of the
# stacks before the module goes, remove, purge, and /etc/pam.d/common-*
# byte-identical throughout (the profile is Default: no).
#
# It installs and purges real packages, so it runs as root only, and only
# where no pwadmin package and no store are there already.  Whatever
# happens it purges the packages, stops its daemon and puts back what it
# moved aside (an empty /var/lib/pwadmin, a stale /run/pwadmin, a pwadmin
# user made earlier by make install, with its uid).
# Usage (from the project root): bash tests/system/test_deb.sh BUILD_DIR
set -u
B=${1:?usage: test_deb.sh BUILD_DIR}
# shellcheck source=tests/system/lib.sh
. tests/system/lib.sh

NAMES=("make deb: both packages built, lintian clean"
	"the packages were built with the project's warnings and hardening"
	"apt-get install: each package installs what debian/ says"
	"/etc/pwadmin/pwadmind.conf is a conffile, the shipped one"
	"the postinst makes the sysusers.d user pwadmin"
	"the socket is enabled, the service only socket-activated; units verify"
	"the socket unit's path is the programs' default (used by the next tests)"
	"reinstall keeps an edited configuration"
	"installed daemon on its default paths: drops to pwadmin, serves client and module"
	"an enabled profile leaves the stacks before the module goes"
	"remove leaves only the conffile and the store"
	"purge removes the configuration and the store, and says so"
	"/etc/pam.d/common-* unchanged by install, reinstall, remove, purge; pam-auth-update forgets the profile")
if [ "$(id -u)" -ne 0 ]; then
	for n in "${NAMES[@]}"; do
		t_begin "$n"
		t_skip "needs root: installs and purges the packages on this machine (run make check as root)"
	done
	t_done
fi
skip_rest() { # from test number $1 on, skip with reason $2
	local i
	for ((i = $1; i < ${#NAMES[@]}; i++)); do
		t_begin "${NAMES[$i]}"
		t_skip "$2"
	done
	t_done
}

# ---- preconditions: nothing of someone else's is destroyed ----
state() { dpkg-query -W -f '${db:Status-Status}' "$1" 2>/dev/null; }
for p in pwadmin libpam-pwadmin; do
	s=$(state "$p")
	if [ -n "$s" ] && [ "$s" != not-installed ]; then
		skip_rest 0 "the package $p is on this machine ($s): not touched"
	fi
done
if [ -d /var/lib/pwadmin ] && [ -n "$(ls -A /var/lib/pwadmin)" ]; then
	skip_rest 0 "/var/lib/pwadmin holds a store: not touched"
fi
if [ -d /etc/pwadmin ]; then
	skip_rest 0 "/etc/pwadmin exists (make install?): not touched"
fi
# the built client: exit 3 is "daemon unreachable" (a stale socket)
if [ -S /run/pwadmin/pwadmind.sock ]; then
	"$B/pwadmin" --socket /run/pwadmin/pwadmind.sock stats >/dev/null 2>&1
	[ $? -eq 3 ] ||
	    skip_rest 0 "a daemon listens on /run/pwadmin/pwadmind.sock: not touched"
fi

t_tmpdir
mkdir "$T/saved"
SYSD=no
[ -d /run/systemd/system ] && SYSD=yes
# An empty state dir and a run dir left by earlier runs are moved aside
# (purge removes the first; the daemon below makes both) and put back.
for d in /var/lib/pwadmin /run/pwadmin; do
	[ -e "$d" ] && mv "$d" "$T/saved/${d//\//_}"
done
# A pwadmin user made earlier (make install) is taken away, so that the
# postinst is seen to make it, and put back with its ids.
OLD_USER=$(getent passwd pwadmin)
OLD_GROUP=$(getent group pwadmin)
if [ -n "$OLD_USER" ]; then
	userdel pwadmin 2>/dev/null
	getent group pwadmin >/dev/null && groupdel pwadmin
fi
DPID=""
t_cleanup_hook() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	for p in libpam-pwadmin pwadmin; do
		s=$(state "$p")
		[ -n "$s" ] && [ "$s" != not-installed ] &&
		    DEBIAN_FRONTEND=noninteractive dpkg --purge "$p" >/dev/null 2>&1
	done
	rm -rf /var/lib/pwadmin /run/pwadmin /etc/pwadmin
	for d in /var/lib/pwadmin /run/pwadmin; do
		[ -e "$T/saved/${d//\//_}" ] && mv "$T/saved/${d//\//_}" "$d"
	done
	if getent passwd pwadmin >/dev/null &&
	    [ "$(getent passwd pwadmin)" != "$OLD_USER" ]; then
		userdel pwadmin
		getent group pwadmin >/dev/null && groupdel pwadmin
	fi
	if [ -n "$OLD_USER" ] && ! getent passwd pwadmin >/dev/null; then
		IFS=: read -r _ _ uid gid gecos home shell <<<"$OLD_USER"
		IFS=: read -r _ _ ggid _ <<<"$OLD_GROUP"
		groupadd -r -g "${ggid:-$gid}" pwadmin
		useradd -r -M -u "$uid" -g "$gid" -c "$gecos" -d "$home" \
		    -s "$shell" pwadmin
	fi
}

# Every step's /etc/pam.d/common-* against the first.
pam_sum() { sha256sum /etc/pam.d/common-* | sort; }
PAM0=$(pam_sum)
# the profiles pam-auth-update has seen: pwadmin joins on install and
# must leave again (prerm's --remove)
SEEN0=$(cat /var/lib/pam/seen 2>/dev/null)
PAM_CHANGED=""
pam_step() { [ "$(pam_sum)" = "$PAM0" ] || PAM_CHANGED="$PAM_CHANGED $1"; }
apt_inst() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends "$@" 2>&1
}

# ---- build ----
t_begin "${NAMES[0]}"
out=$(PARALLEL=2 tests/deb.sh "$T/deb" 2>&1)
rc=$?
V=$(dpkg-parsechangelog -S Version)
A=$(dpkg --print-architecture)
DEB_D=$T/deb/pwadmin_${V}_$A.deb
DEB_M=$T/deb/libpam-pwadmin_${V}_$A.deb
if [ $rc -ne 0 ]; then
	t_fail "tests/deb.sh failed (rc $rc):" "$(tail -n 15 <<<"$out")"
elif [ ! -f "$DEB_D" ] || [ ! -f "$DEB_M" ]; then
	t_fail "missing $DEB_D or $DEB_M:" "$(ls "$T/deb")"
elif grep -q '^[EW]: ' <<<"$out"; then
	t_fail "lintian:" "$(grep '^[EW]: ' <<<"$out")"
else
	t_ok
fi
[ -f "$DEB_D" ] && [ -f "$DEB_M" ] || skip_rest 1 "no packages (see above)"

t_begin "${NAMES[1]}"
# Every compile line: dpkg-buildflags' flags are there (-ffile-prefix-map),
# and the last _FORTIFY_SOURCE and -Wformat options are the project's.
bad=$(grep -E '^cc .* -c -o ' "$T/deb/build.log" | awk '
	{ fort = ""; wfmt = ""; werr = 0; pfx = 0
	  for (i = 1; i <= NF; i++) {
		if ($i ~ /^-D_FORTIFY_SOURCE=/) fort = $i
		if ($i ~ /^-Wformat(=|$)/) wfmt = $i
		if ($i == "-Werror") werr = 1
		if ($i ~ /^-ffile-prefix-map=/) pfx = 1
	  }
	  n++
	  if (fort != "-D_FORTIFY_SOURCE=3" || wfmt != "-Wformat=2" || !werr || !pfx)
		print $NF ": " fort " " wfmt " werror=" werr " buildflags=" pfx }
	END { if (n < 20) print "only " n " compile lines" }')
if [ -n "$bad" ]; then
	t_fail "$(head -n 5 <<<"$bad")"
else
	t_ok
fi

# ---- install ----
UNIX_SO=$(dpkg -L libpam-modules 2>/dev/null | grep '/pam_unix\.so$' | head -n 1)
PAMDIR=${UNIX_SO%/pam_unix.so}
UNITDIR=$(pkg-config --variable=systemdsystemunitdir systemd)
SYSUSERSDIR=$(pkg-config --variable=sysusersdir systemd)
files_of() { # the package's files (no directories), sorted
	dpkg -L "$1" 2>/dev/null | while read -r f; do
		[ -d "$f" ] || echo "$f"	# /lib is a symlink to usr/lib
	done | sort
}

t_begin "${NAMES[2]}"
out=$(apt_inst "$DEB_D" "$DEB_M")
rc=$?
pam_step install
want_m=$(sort <<LIST
$PAMDIR/pam_pwadmin.so
/usr/share/doc/libpam-pwadmin/changelog.gz
/usr/share/doc/libpam-pwadmin/copyright
/usr/share/lintian/overrides/libpam-pwadmin
/usr/share/man/man8/pam_pwadmin.8.gz
/usr/share/pam-configs/pwadmin
LIST
)
want_d=$(sort <<LIST
/etc/pwadmin/pwadmind.conf
$UNITDIR/pwadmind.service
$UNITDIR/pwadmind.socket
$SYSUSERSDIR/pwadmin.conf
/usr/bin/pwadmin
/usr/sbin/pwadmind
/usr/share/doc/pwadmin/README.md.gz
/usr/share/doc/pwadmin/changelog.gz
/usr/share/doc/pwadmin/copyright
/usr/share/doc/pwadmin/examples/pwadmind-postgresql.conf
/usr/share/lintian/overrides/pwadmin
/usr/share/locale/ja/LC_MESSAGES/pwadmin.mo
/usr/share/man/man1/pwadmin.1.gz
/usr/share/man/man5/pwadmind.conf.5.gz
/usr/share/man/man8/pwadmind.8.gz
LIST
)
got_m=$(files_of libpam-pwadmin)
got_d=$(files_of pwadmin)
missing=""
for f in $want_m $want_d; do [ -e "$f" ] || missing="$missing $f"; done
if [ $rc -ne 0 ] || [ "$(state pwadmin)" != installed ] ||
    [ "$(state libpam-pwadmin)" != installed ]; then
	t_fail "apt-get install failed (rc $rc):" "$(tail -n 10 <<<"$out")"
elif [ "$got_m" != "$want_m" ] || [ "$got_d" != "$want_d" ]; then
	t_fail "dpkg -L differs (< expected, > installed):" \
	    "$(diff <(echo "$want_m"; echo "$want_d") <(echo "$got_m"; echo "$got_d") | grep '^[<>]')"
elif [ -n "$missing" ]; then
	t_fail "listed but not on disk:$missing"
elif ! readelf -d "$PAMDIR/pam_pwadmin.so" | grep -q 'NEEDED.*libpam\.so' ||
    ! nm -D --defined-only "$PAMDIR/pam_pwadmin.so" | grep -q ' pam_sm_authenticate$'; then
	t_fail "$PAMDIR/pam_pwadmin.so is no PAM module"
else
	t_ok
fi
[ "$(state pwadmin)" = installed ] || skip_rest 3 "the packages did not install"

t_begin "${NAMES[3]}"
cf=$(dpkg-query -W -f '${Conffiles}\n' pwadmin | awk 'NF { print $1 }')
if [ "$cf" != /etc/pwadmin/pwadmind.conf ]; then
	t_fail "conffiles of pwadmin: '$cf'"
elif ! cmp -s /etc/pwadmin/pwadmind.conf conf/pwadmind.conf; then
	t_fail "/etc/pwadmin/pwadmind.conf is not conf/pwadmind.conf"
elif [ "$(stat -c '%U:%G %a' /etc/pwadmin/pwadmind.conf)" != "root:root 644" ]; then
	t_fail "owner/mode: $(stat -c '%U:%G %a' /etc/pwadmin/pwadmind.conf)"
else
	t_ok
fi

t_begin "${NAMES[4]}"
IFS=: read -r _ _ PW_UID PW_GID _ pw_home pw_shell <<<"$(getent passwd pwadmin)"
if [ -z "${PW_UID:-}" ]; then
	t_fail "no user pwadmin after install"
elif [ "$PW_UID" -ge 1000 ] || [ "$pw_home" != /var/lib/pwadmin ] ||
    [ "$pw_shell" != /usr/sbin/nologin ] ||
    [ "$(getent group pwadmin | cut -d: -f3)" != "$PW_GID" ]; then
	t_fail "not the sysusers.d user: $(getent passwd pwadmin), group $(getent group pwadmin)"
else
	t_ok
fi

t_begin "${NAMES[5]}"
wants=/etc/systemd/system/sockets.target.wants/pwadmind.socket
if [ "$(readlink "$wants")" != "$UNITDIR/pwadmind.socket" ]; then
	t_fail "$wants: '$(readlink "$wants")', want $UNITDIR/pwadmind.socket"
elif ls /etc/systemd/system/*/pwadmind.service >/dev/null 2>&1; then
	t_fail "the service is enabled: $(ls /etc/systemd/system/*/pwadmind.service)"
elif ! out=$(systemd-analyze verify "$UNITDIR/pwadmind.socket" \
    "$UNITDIR/pwadmind.service" 2>&1) || [ -n "$out" ]; then
	t_fail "systemd-analyze verify:" "$out"
elif [ $SYSD = yes ] && [ "$(systemctl is-active pwadmind.socket)" != active ]; then
	t_fail "systemd runs here, and pwadmind.socket is not active after install"
else
	t_ok
fi
# Without systemd as PID 1 (a container) nothing is started; say so.
[ $SYSD = no ] && echo "    (systemd is not PID 1 here: the units were verified, not started)"
# The daemon below takes the socket's path itself.
[ $SYSD = yes ] && systemctl stop pwadmind.socket pwadmind.service

t_begin "${NAMES[6]}"
LISTEN=$(sed -n 's/^ListenStream=//p' "$UNITDIR/pwadmind.socket")
conf_sock=$(sed -n 's/^# socket = //p' /etc/pwadmin/pwadmind.conf)
# the client's and the module's default (the daemon's is checked live below)
src_sock=$(sed -n 's/^#define PW_SOCKET_DEFAULT *"\(.*\)"/\1/p' common/conn.h)
if [ -z "$LISTEN" ] || [ "$LISTEN" != "$src_sock" ]; then
	t_fail "ListenStream=$LISTEN, PW_SOCKET_DEFAULT $src_sock"
elif [ "$conf_sock" != "$LISTEN" ]; then
	t_fail "pwadmind.conf documents socket = '$conf_sock', the unit $LISTEN"
else
	# The next tests start the installed daemon without --socket and use
	# the installed client and module without a socket option: all three
	# meet at $LISTEN.
	t_ok
fi

t_begin "${NAMES[7]}"
# The edit also makes Argon2id cheap for the daemon below.
printf 'argon2_ops = 1\nargon2_mem_kib = 8192\n' >>/etc/pwadmin/pwadmind.conf
edited=$(sha256sum </etc/pwadmin/pwadmind.conf)
out=$(apt_inst --reinstall "$DEB_D" "$DEB_M")
rc=$?
pam_step reinstall
left=$(ls /etc/pwadmin | grep -v '^pwadmind\.conf$')
if [ $rc -ne 0 ]; then
	t_fail "apt-get install --reinstall failed (rc $rc):" "$(tail -n 10 <<<"$out")"
elif [ "$(sha256sum </etc/pwadmin/pwadmind.conf)" != "$edited" ]; then
	t_fail "the edited configuration was replaced"
elif [ -n "$left" ]; then
	t_fail "files beside the configuration: $left"
else
	t_ok
fi

t_begin "${NAMES[8]}"
# Fake users from nss_wrapper, the daemon's user with its real ids; the
# daemon reads /etc/pwadmin/pwadmind.conf and uses its default socket and
# state directory.
t_users "pwadmin:x:$PW_UID:$PW_GID:pwadmin:/var/lib/pwadmin:/usr/sbin/nologin"
pc() { LD_PRELOAD=libnss_wrapper.so /usr/bin/pwadmin "$@"; }
mkdir "$T/svc"
cat >"$T/svc/pwdeb" <<SVC
auth     required  $PAMDIR/pam_pwadmin.so
account  required  $PAMDIR/pam_pwadmin.so
SVC
pt() { # USER PASSWORD
	printf '%s\n' "$2" | LD_PRELOAD="libpam_wrapper.so libnss_wrapper.so" \
	    PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/svc" \
	    pamtester pwdeb "$1" authenticate acct_mgmt 2>&1
}
LD_PRELOAD=libnss_wrapper.so /usr/sbin/pwadmind -f 2>"$T/daemon.log" &
DPID=$!
for _ in $(seq 200); do
	pc stats >/dev/null 2>&1 && break
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.05
done
duid=$(awk '/^Uid:/ { print $2 " " $3 " " $4 " " $5 }' "/proc/$DPID/status" 2>/dev/null)
init=$(printf 'Master-login-pw1\nMaster-conf-pw1\n' | pc --stdin init --master boss 2>&1)
init_rc=$?
good=$(pt boss Master-login-pw1)
good_rc=$?
bad=$(pt boss Wrong-login-pw9)
bad_rc=$?
fails=$(pc status boss 2>/dev/null | awk -F': ' '$1 == "login_failures" { print $2 }')
store=$(stat -c '%u %a' /var/lib/pwadmin 2>/dev/null)
sock=$(stat -c '%u %a' "$LISTEN" 2>/dev/null)
if ! kill -0 "$DPID" 2>/dev/null; then
	t_fail "the daemon did not start:" "$(tail -n 5 "$T/daemon.log")"
elif [ "$duid" != "$PW_UID $PW_UID $PW_UID $PW_UID" ]; then
	t_fail "daemon uids '$duid', want $PW_UID (pwadmin)"
elif [ "$sock" != "0 666" ]; then
	t_fail "no socket of root's, 0666, at $LISTEN: '$sock'"
elif [ "$store" != "$PW_UID 700" ]; then
	t_fail "/var/lib/pwadmin: '$store', want $PW_UID 700"
elif [ $init_rc -ne 0 ]; then
	t_fail "pwadmin init --master boss failed (rc $init_rc):" "$init"
elif [ $good_rc -ne 0 ] || ! grep -q 'successfully' <<<"$good"; then
	t_fail "right password refused through $PAMDIR/pam_pwadmin.so (rc $good_rc):" "$good"
elif [ $bad_rc -eq 0 ] || ! grep -qi 'authentication failure' <<<"$bad"; then
	t_fail "wrong password not refused (rc $bad_rc):" "$bad"
elif [ "$fails" != 1 ]; then
	t_fail "the daemon counted '$fails' failures, not 1"
elif [ ! -s /var/lib/pwadmin/data.mdb ]; then
	t_fail "no store in /var/lib/pwadmin"
else
	t_ok
fi
kill "$DPID" 2>/dev/null
wait "$DPID" 2>/dev/null
DPID=""

t_begin "${NAMES[9]}"
# In a private mount namespace, over copies of /etc/pam.d and
# /var/lib/pam: the administrator enables the profile, then removes
# libpam-pwadmin; its prerm must take the module out of common-* first.
# (pam-auth-update keeps its choices in debconf: a copy of that too)
mkdir "$T/pamd" "$T/varpam" "$T/debconf"
cp -a /etc/pam.d/. "$T/pamd/"
cp -a /var/lib/pam/. "$T/varpam/"
cp -a /var/cache/debconf/. "$T/debconf/"
out=$(unshare -m --propagation private bash -c '
	mount --bind "$1" /etc/pam.d && mount --bind "$2" /var/lib/pam &&
	    mount --bind "$3" /var/cache/debconf || exit 9
	DEBIAN_FRONTEND=noninteractive pam-auth-update --enable pwadmin || exit 10
	grep -q pam_pwadmin /etc/pam.d/common-auth || exit 11
	DEBIAN_FRONTEND=noninteractive dpkg -r libpam-pwadmin >/dev/null || exit 12
	grep -l pam_pwadmin /etc/pam.d/common-* && exit 13
	exit 0' sh "$T/pamd" "$T/varpam" "$T/debconf" 2>&1)
rc=$?
still=$(state libpam-pwadmin)
mod_left=no
[ -e "$PAMDIR/pam_pwadmin.so" ] && mod_left=yes
out2=$(apt_inst "$DEB_M")
rc2=$?
pam_step "enable-then-remove"
case $rc in
0) if [ "$still" = installed ] || [ $mod_left = yes ]; then
	t_fail "dpkg -r did not remove libpam-pwadmin ($still) or left its module ($mod_left)"
   elif [ $rc2 -ne 0 ]; then
	t_fail "reinstalling libpam-pwadmin failed:" "$(tail -n 5 <<<"$out2")"
   else
	t_ok
   fi ;;
10) t_fail "pam-auth-update --enable pwadmin failed:" "$out" ;;
11) t_fail "the enabled profile is not in common-auth" ;;
12) t_fail "dpkg -r libpam-pwadmin failed:" "$out" ;;
13) t_fail "common-* still name pam_pwadmin after the module was removed:" "$out" ;;
*) t_fail "rc $rc:" "$out" ;;
esac

t_begin "${NAMES[10]}"
before=$( (files_of pwadmin; files_of libpam-pwadmin) | sort)
out=$(DEBIAN_FRONTEND=noninteractive apt-get remove -y -q pwadmin libpam-pwadmin 2>&1)
rc=$?
pam_step remove
left=$(for f in $before; do [ -e "$f" ] && echo "$f"; done)
if [ $rc -ne 0 ]; then
	t_fail "apt-get remove failed (rc $rc):" "$(tail -n 10 <<<"$out")"
elif [ "$(state pwadmin)" != config-files ]; then
	t_fail "pwadmin is '$(state pwadmin)', not config-files"
elif [ "$left" != /etc/pwadmin/pwadmind.conf ]; then
	t_fail "left after remove (want only the conffile):" $left
elif [ "$(sha256sum </etc/pwadmin/pwadmind.conf)" != "$edited" ]; then
	t_fail "the edited configuration changed on remove"
elif [ ! -s /var/lib/pwadmin/data.mdb ]; then
	t_fail "the store /var/lib/pwadmin went on remove"
else
	t_ok
fi

t_begin "${NAMES[11]}"
out=$(DEBIAN_FRONTEND=noninteractive dpkg --purge pwadmin libpam-pwadmin 2>&1)
rc=$?
pam_step purge
left=$(for f in $before; do [ -e "$f" ] && echo "$f"; done)
units=$(ls /etc/systemd/system/*/pwadmind.* /var/lib/systemd/deb-systemd-helper-enabled/*/pwadmind.* 2>/dev/null)
if [ $rc -ne 0 ]; then
	t_fail "dpkg --purge failed (rc $rc):" "$out"
elif [ -n "$(state pwadmin)" ] && [ "$(state pwadmin)" != not-installed ]; then
	t_fail "pwadmin is '$(state pwadmin)' after purge"
elif [ -e /etc/pwadmin ] || [ -e /var/lib/pwadmin ]; then
	t_fail "left: $(ls -d /etc/pwadmin /var/lib/pwadmin 2>/dev/null)"
elif [ -n "$left$units" ]; then
	t_fail "left after purge:" $left $units
elif ! grep -q 'removing the account store /var/lib/pwadmin' <<<"$out"; then
	t_fail "purge did not say it removes the store:" "$out"
elif ! getent passwd pwadmin >/dev/null; then
	t_fail "the system user pwadmin was removed (Debian keeps system users)"
else
	t_ok
fi

t_begin "${NAMES[12]}"
if [ -n "$PAM_CHANGED" ]; then
	t_fail "/etc/pam.d/common-* changed by:$PAM_CHANGED"
elif [ "$(cat /var/lib/pam/seen 2>/dev/null)" != "$SEEN0" ]; then
	t_fail "/var/lib/pam/seen differs after purge:" "$(cat /var/lib/pam/seen)"
else
	t_ok
fi

t_done
