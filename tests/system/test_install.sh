#!/bin/bash
# make install into a temporary DESTDIR, then use what it installed: every
# file and mode, the configuration kept on reinstall, uninstall, the units
# (systemd-analyze verify), the man pages (man -l), the installed daemon
# started as root dropping to its user, and pamtester through the
# installed module (under pam_wrapper: /etc/pam.d is never touched).
# Usage (from the project root): bash tests/system/test_install.sh BUILD_DIR
set -u
B=${1:?usage: test_install.sh BUILD_DIR}
# shellcheck source=tests/system/lib.sh
. tests/system/lib.sh
t_tmpdir
D=$T/root

# Where the system's own PAM modules are (pam_unix.so of libpam-modules),
# found without the Makefile's pkg-config rule that it checks.
UNIX_SO=$(dpkg -L libpam-modules 2>/dev/null | grep '/pam_unix\.so$' | head -n 1)
PAMDIR=${UNIX_SO%/pam_unix.so}
UNITDIR=$(pkg-config --variable=systemdsystemunitdir systemd)
SYSUSERSDIR=$(pkg-config --variable=sysusersdir systemd)

inst() { make -s --no-print-directory install "$@" 2>&1; }

# ---- files and modes ----
t_begin "make install DESTDIR= PREFIX=/usr: every file, in place, with its mode"
out=$(inst DESTDIR="$D" PREFIX=/usr)
rc=$?
want=$(sort <<LIST
644 ${PAMDIR#/}/pam_pwadmin.so
755 usr/sbin/pwadmind
755 usr/bin/pwadmin
644 usr/share/man/man1/pwadmin.1
644 usr/share/man/man5/pwadmind.conf.5
644 usr/share/man/man8/pam_pwadmin.8
644 usr/share/man/man8/pwadmind.8
644 ${UNITDIR#/}/pwadmind.service
644 ${UNITDIR#/}/pwadmind.socket
644 ${SYSUSERSDIR#/}/pwadmin.conf
644 usr/share/pam-configs/pwadmin
644 usr/share/doc/pwadmin/examples/pwadmind-postgresql.conf
644 usr/share/locale/ja/LC_MESSAGES/pwadmin.mo
644 etc/pwadmin/pwadmind.conf
LIST
)
got=$(cd "$D" && find . \( -type f -o -type l \) -printf '%m %P\n' | sort)
baddirs=$(cd "$D" && find . -mindepth 1 -type d ! -perm 0755 -printf '%m %P\n')
if [ $rc -ne 0 ] || [ -z "$PAMDIR" ]; then
	t_fail "make install failed (rc $rc) or no pam_unix.so found (PAMDIR '$PAMDIR')" "$out"
elif [ "$got" != "$want" ]; then
	t_fail "installed files differ from the expected list (< expected, > installed):" \
	    "$(diff <(echo "$want") <(echo "$got") | grep '^[<>]')"
elif [ -n "$baddirs" ]; then
	t_fail "directories not 0755: $baddirs"
elif ! cmp -s "$D$PAMDIR/pam_pwadmin.so" "$B/pam_pwadmin.so" ||
    ! cmp -s "$D/usr/sbin/pwadmind" "$B/pwadmind" ||
    ! cmp -s "$D/usr/bin/pwadmin" "$B/pwadmin" ||
    ! cmp -s "$D/etc/pwadmin/pwadmind.conf" conf/pwadmind.conf; then
	t_fail "an installed file is not the one built"
elif ! grep -qx 'ExecStart=/usr/sbin/pwadmind -f' "$D$UNITDIR/pwadmind.service"; then
	t_fail "pwadmind.service does not start /usr/sbin/pwadmind:" \
	    "$(grep ExecStart "$D$UNITDIR/pwadmind.service")"
elif ! strings "$D/usr/sbin/pwadmind" | grep -qx /etc/pwadmin/pwadmind.conf; then
	t_fail "the daemon does not read /etc/pwadmin/pwadmind.conf by default"
else
	t_ok
fi

t_begin "reinstall keeps an edited configuration"
echo "max_login_failures = 3" >>"$D/etc/pwadmin/pwadmind.conf"
before=$(sha256sum <"$D/etc/pwadmin/pwadmind.conf")
out=$(inst DESTDIR="$D" PREFIX=/usr)
if [ "$(sha256sum <"$D/etc/pwadmin/pwadmind.conf")" != "$before" ]; then
	t_fail "the configuration was overwritten"
elif ! grep -q "exists: kept" <<<"$out"; then
	t_fail "make install did not say it kept the configuration:" "$out"
else
	t_ok
fi

t_begin "PREFIX=/usr/local: units there, naming /usr/local/sbin; module still beside pam_unix.so"
out=$(inst DESTDIR="$T/local" PREFIX=/usr/local)
if ! grep -qx 'ExecStart=/usr/local/sbin/pwadmind -f' \
    "$T/local/usr/local/lib/systemd/system/pwadmind.service" 2>/dev/null; then
	t_fail "no /usr/local/lib/systemd/system/pwadmind.service naming /usr/local/sbin/pwadmind" "$out"
elif [ ! -f "$T/local$PAMDIR/pam_pwadmin.so" ] ||
    [ ! -f "$T/local/usr/local/lib/sysusers.d/pwadmin.conf" ] ||
    [ ! -x "$T/local/usr/local/sbin/pwadmind" ]; then
	t_fail "module, sysusers.d file or daemon missing:" \
	    "$(cd "$T/local" && find . -type f)"
else
	t_ok
fi

t_begin "make uninstall removes everything but the configuration"
out=$(make -s --no-print-directory uninstall DESTDIR="$T/local" PREFIX=/usr/local 2>&1)
left=$(cd "$T/local" && find . -type f -printf '%P\n')
if [ "$left" != "etc/pwadmin/pwadmind.conf" ]; then
	t_fail "left after uninstall:" "$left" "$out"
else
	t_ok
fi

t_begin "make uninstall refuses while a PAM stack still names the module"
# On the real root (no DESTDIR) it must not remove a module that a stack
# uses: a missing module refuses every login.  In a private mount
# namespace, a copy of /etc/pam.d with a stack naming the module is put
# over /etc/pam.d; every installed path is under $T.
if [ "$(id -u)" -ne 0 ]; then
	t_skip "needs root: /etc/pam.d is replaced in a private mount namespace"
else
	P=$T/pfx
	dirs="PREFIX=$P PAMDIR=$P/security UNITDIR=$P/units SYSUSERSDIR=$P/sysusers PAMCONFIGDIR=$P/pam-configs SYSCONFDIR=$P/etc"
	# shellcheck disable=SC2086
	inst $dirs >/dev/null
	mkdir "$T/pamd"
	cp -a /etc/pam.d/. "$T/pamd/"
	echo "auth required pam_pwadmin.so" >"$T/pamd/pwadmin-uses"
	# no profile in PAMCONFIGDIR: pam-auth-update is not asked
	rm -f "$P/pam-configs/pwadmin"
	# shellcheck disable=SC2086
	out=$(unshare -m --propagation private sh -c \
	    'mount --bind "$1" /etc/pam.d && shift && make -s --no-print-directory uninstall "$@"' \
	    sh "$T/pamd" $dirs 2>&1)
	rc=$?
	if [ $rc -eq 0 ] || [ ! -f "$P/security/pam_pwadmin.so" ] ||
	    ! grep -q "refused: these PAM stacks still use pam_pwadmin.so.*pwadmin-uses" <<<"$out"; then
		t_fail "rc $rc, module still there: $([ -f "$P/security/pam_pwadmin.so" ] && echo yes || echo no)" "$out"
	else
		t_ok
	fi
fi

# ---- units and man pages ----
t_begin "systemd-analyze verify accepts the installed units"
# verify wants ExecStart's program and the Documentation= pages in place:
# install for PREFIX=/usr/local and, in a private mount namespace, put that
# tree over /usr/local.  Any output (an unknown key, a missing page) fails.
if [ "$(id -u)" -ne 0 ]; then
	t_skip "needs root: the units are checked with the install mounted over /usr/local in a private mount namespace"
elif ! command -v systemd-analyze >/dev/null; then
	t_fail "systemd-analyze not found (Debian package systemd)"
elif ! out=$(inst DESTDIR="$T/verify" PREFIX=/usr/local); then
	t_fail "make install PREFIX=/usr/local failed" "$out"
else
	U=/usr/local/lib/systemd/system
	out=$(unshare -m --propagation private sh -c \
	    'mount --bind "$1" /usr/local && systemd-analyze verify "$2" "$3"' \
	    sh "$T/verify/usr/local" "$U/pwadmind.socket" "$U/pwadmind.service" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] || [ -n "$out" ]; then
		t_fail "systemd-analyze verify: rc $rc" "$out"
	else
		t_ok
	fi
fi

t_begin "man -l renders every installed page without a warning"
bad=""
n=0
for page in "$D"/usr/share/man/man*/*; do
	n=$((n + 1))
	err=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >"$T/page.txt")
	if [ -n "$err" ] || ! grep -q '^NAME' "$T/page.txt"; then
		bad="$bad ${page##*/}: ${err:-no NAME section}"
	fi
done
if [ "$n" -ne 4 ] || [ -n "$bad" ]; then
	t_fail "$n pages;$bad"
else
	t_ok
fi

# ---- the installed daemon, as root ----
if [ "$(id -u)" -ne 0 ]; then
	for n in "installed daemon started as root drops to its user" \
	    "pamtester through the installed module" \
	    "a second daemon is refused; after SIGTERM the next start works" \
	    "a failed start leaves no pid file naming a process; run dir taken back" \
	    "socket activation: the daemon serves on the socket it is given" \
	    "the daemon stays inside the unit's system-call filter"; do
		t_begin "$n"
		t_skip "needs root: the daemon must start as root to drop to its own user (run make check as root)"
	done
	t_done
fi

# The daemon's user comes from nss_wrapper (uid 2099), like the test users.
t_users "pwadmin:x:2099:2099:pwadmin:/var/lib/pwadmin:/usr/sbin/nologin"
mkdir "$T/run" "$T/lib"
cat >"$T/pwadmind.conf" <<CONF
socket = $T/run/pwadmin/pwadmind.sock
state_dir = $T/lib/pwadmin
user = pwadmin
argon2_ops = 1
argon2_mem_kib = 8192
CONF
chmod 0644 "$T/pwadmind.conf"
SOCK=$T/run/pwadmin/pwadmind.sock
PIDF=$T/run/pwadmin/pwadmind.pid
T_PWADMIN=$D/usr/bin/pwadmin
DPID=""
t_cleanup_hook() { [ -n "$DPID" ] && kill "$DPID" 2>/dev/null; }
tc() { LD_PRELOAD=libnss_wrapper.so "$T_PWADMIN" --socket "$SOCK" "$@"; }

t_begin "installed daemon started as root drops to its user"
# No -f: it detaches (double fork) and writes its pid file; the command
# returns once the daemon serves.  A descriptor of root's left open by the
# caller (fd 7 here) must not reach it.
: >"$T/rootonly"
chmod 0600 "$T/rootonly"
out=$(LD_PRELOAD=libnss_wrapper.so "$D/usr/sbin/pwadmind" -c "$T/pwadmind.conf" \
    2>&1 7>>"$T/rootonly")
rc=$?
DPID=$(cat "$PIDF" 2>/dev/null)
if [ $rc -ne 0 ] || [ -z "$DPID" ] || ! kill -0 "$DPID" 2>/dev/null; then
	t_fail "start: rc $rc, pid file '$DPID'" "$out"
else
	st=$(grep -E '^(Uid|Gid|Groups|CapPrm|CapEff|CapAmb):' "/proc/$DPID/status" |
	    tr -s '\t ' ' ' | sed 's/ $//')
	exe=$(readlink "/proc/$DPID/exe")
	owners=$(stat -c '%u:%g %a %n' "$T/run/pwadmin" "$SOCK" "$PIDF" \
	    "$T/lib/pwadmin" "$T/lib/pwadmin/data.mdb" \
	    "$T/lib/pwadmin/secret.key" | sed "s|$T/||")
	# every open file of the daemon, with its access mode (flags & 3)
	fds=$(for f in /proc/"$DPID"/fd/*; do
		printf '%s %s\n' "$(readlink "$f")" \
		    "$(awk '/^flags/ { print substr($2, length($2)) % 4 }' \
		    "/proc/$DPID/fdinfo/${f##*/}")"
	done)
	want_st="Uid: 2099 2099 2099 2099
Gid: 2099 2099 2099 2099
Groups: 2099
CapPrm: 0000000000000000
CapEff: 0000000000000000
CapAmb: 0000000000000000"
	want_owners="0:0 755 run/pwadmin
0:0 666 run/pwadmin/pwadmind.sock
0:0 644 run/pwadmin/pwadmind.pid
2099:2099 700 lib/pwadmin
2099:2099 600 lib/pwadmin/data.mdb
2099:2099 600 lib/pwadmin/secret.key"
	if [ "$st" != "$want_st" ]; then
		t_fail "/proc/$DPID/status:" "$st"
	elif [ "$exe" != "$D/usr/sbin/pwadmind" ]; then
		t_fail "pid file names $exe, not the installed daemon"
	elif [ "$owners" != "$want_owners" ]; then
		t_fail "owners and modes:" "$owners"
	elif grep -q rootonly <<<"$fds"; then
		t_fail "the caller's descriptor reached the daemon:" "$fds"
	elif ! grep -qx "$PIDF 0" <<<"$fds"; then
		t_fail "the pid file is not held read-only (path, access mode):" "$fds"
	elif ! tc stats >/dev/null 2>&1; then
		t_fail "the installed client gets no answer: $(tc stats 2>&1)"
	else
		t_ok
	fi
fi

t_begin "pamtester through the installed module"
mkdir "$T/svc"
cat >"$T/svc/pwinstalled" <<SVC
auth     required  $D$PAMDIR/pam_pwadmin.so socket=$SOCK
account  required  $D$PAMDIR/pam_pwadmin.so socket=$SOCK
SVC
pt() { # USER PASSWORD
	printf '%s\n' "$2" | LD_PRELOAD="libpam_wrapper.so libnss_wrapper.so" \
	    PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/svc" \
	    pamtester pwinstalled "$1" authenticate acct_mgmt 2>&1
}
T_SOCK=$SOCK	# for t_store
if [ -z "$DPID" ]; then
	t_fail "no daemon (see the test above)"
elif ! out=$(t_store 2>&1); then
	t_fail "accounts could not be made with the installed client:" "$out"
else
	good=$(pt alice Good-login-pw1)
	good_rc=$?
	bad=$(pt alice Wrong-login-pw9)
	bad_rc=$?
	fails=$(tc status alice | awk -F': ' '$1 == "login_failures" { print $2 }')
	if [ $good_rc -ne 0 ] || ! grep -q 'successfully' <<<"$good"; then
		t_fail "right password refused (rc $good_rc):" "$good"
	elif [ $bad_rc -eq 0 ] || ! grep -qi 'authentication failure' <<<"$bad"; then
		t_fail "wrong password not refused (rc $bad_rc):" "$bad"
	elif [ "$fails" != 1 ]; then
		t_fail "the daemon counted '$fails' failures, not 1"
	else
		t_ok
	fi
fi

t_begin "a second daemon is refused; after SIGTERM the next start works"
out=$(LD_PRELOAD=libnss_wrapper.so "$D/usr/sbin/pwadmind" -c "$T/pwadmind.conf" 2>&1)
rc=$?
locked_while_up=no
pkill -0 -F "$PIDF" -L pwadmind 2>/dev/null && locked_while_up=yes
[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null
for _ in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.05; done
# The socket and pid file are root's, in root's directory: the daemon that
# dropped to its user leaves them, dead and unlocked, for the next start.
locked_after=no
flock -n "$PIDF" true || locked_after=yes
again=$(LD_PRELOAD=libnss_wrapper.so "$D/usr/sbin/pwadmind" -c "$T/pwadmind.conf" 2>&1)
again_rc=$?
NPID=$(cat "$PIDF" 2>/dev/null)
if [ -z "$DPID" ]; then
	t_fail "no daemon (see above)"
elif [ $rc -ne 1 ] || [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ] ||
    ! grep -q "another pwadmind runs (pid $DPID)" <<<"$out"; then
	t_fail "second start: rc $rc, want 1 and one line naming pid $DPID:" "$out"
elif [ "$locked_while_up" != yes ]; then
	t_fail "pkill -F $PIDF -L did not find the running daemon by its locked pid file"
elif kill -0 "$DPID" 2>/dev/null; then
	t_fail "the daemon did not stop on SIGTERM"
elif [ "$locked_after" != no ]; then
	t_fail "the pid file is still locked after the daemon stopped"
elif [ $again_rc -ne 0 ] || [ -z "$NPID" ] || [ "$NPID" = "$DPID" ] ||
    ! tc stats >/dev/null 2>&1; then
	t_fail "the start after a stop: rc $again_rc, pid file '$NPID'" "$again"
else
	t_ok
fi
[ -n "$NPID" ] && kill -TERM "$NPID" 2>/dev/null
for _ in $(seq 100); do kill -0 "$NPID" 2>/dev/null || break; sleep 0.05; done
DPID=""

t_begin "a failed start leaves no pid file naming a process; run dir taken back"
# The daemon above left its pid file (root's, unlocked) naming its old pid.
# A start that fails after taking the lock (here: a plain file where the
# socket goes) must leave that file empty, not naming the old pid; a pid
# file it created itself it removes.  A run directory of the daemon's
# user (an earlier setup) is taken back first.
old=$(cat "$PIDF" 2>/dev/null)
rm -f "$SOCK"
: >"$SOCK"
chown 2099:2099 "$T/run/pwadmin"
out1=$(LD_PRELOAD=libnss_wrapper.so "$D/usr/sbin/pwadmind" -c "$T/pwadmind.conf" 2>&1)
rc1=$?
left1=$(stat -c %s "$PIDF" 2>/dev/null)
dir=$(stat -c '%u:%g %a' "$T/run/pwadmin")
rm -f "$PIDF"
out2=$(LD_PRELOAD=libnss_wrapper.so "$D/usr/sbin/pwadmind" -c "$T/pwadmind.conf" 2>&1)
rc2=$?
rm -f "$SOCK"
if [ -z "$old" ]; then
	t_fail "no pid file left by the daemon of the test above"
elif [ $rc1 -ne 1 ] || ! grep -q "exists and is not a socket" <<<"$out1"; then
	t_fail "start over a plain file: rc $rc1, want 1 and why:" "$out1"
elif [ "$left1" != 0 ]; then
	t_fail "the old pid file was left with $left1 bytes (it named $old)"
elif [ "$dir" != "0:0 755" ]; then
	t_fail "the run directory was not taken back: $dir"
elif [ $rc2 -ne 1 ] || [ -e "$PIDF" ]; then
	t_fail "a failed start left the pid file it created (rc $rc2)" "$out2"
else
	t_ok
fi

t_begin "socket activation: the daemon serves on the socket it is given"
# systemd-socket-activate binds the socket, like pwadmind.socket, and starts
# the daemon (as its user, like the unit) on the first connection.
ASOCK=$T/act.sock
systemd-socket-activate -l "$ASOCK" -E NSS_WRAPPER_PASSWD -E NSS_WRAPPER_GROUP \
    -E LD_PRELOAD=libnss_wrapper.so \
    setpriv --reuid=2099 --regid=2099 --clear-groups \
    "$D/usr/sbin/pwadmind" -f -c "$T/pwadmind.conf" 2>"$T/act.log" &
APID=$!
for _ in $(seq 100); do [ -S "$ASOCK" ] && break; sleep 0.05; done
out=$(LD_PRELOAD=libnss_wrapper.so "$T_PWADMIN" --socket "$ASOCK" status alice 2>&1)
rc=$?
sowner=$(stat -c '%u' "$ASOCK" 2>/dev/null)
duid=$(awk '/^Uid:/ { print $2 }' "/proc/$APID/status" 2>/dev/null)
kill -TERM "$APID" 2>/dev/null
wait "$APID" 2>/dev/null
if [ $rc -ne 0 ] || ! grep -q '^name: alice$' <<<"$out"; then
	t_fail "no answer on the passed socket (rc $rc):" "$out" "$(tail -n 3 "$T/act.log")"
elif [ "$sowner" != 0 ] || [ "$duid" != 2099 ]; then
	t_fail "socket owner $sowner (want 0), daemon uid $duid (want 2099)"
elif [ -e "$SOCK" ] && [ "$SOCK" -nt "$T/act.log" ]; then
	t_fail "the daemon made a socket of its own"
else
	t_ok
fi

t_begin "the daemon stays inside the unit's system-call filter"
# The unit starts pwadmind -f as its user with SystemCallFilter=
# @system-service ~@privileged ~@resources.  Run it the same way (already
# its user, so nothing to drop) under strace, put it to work, and check
# that every system call it made is in the set the unit allows.
expand() { # @group: its system calls, nested groups expanded
	systemd-analyze syscall-filter "$1" | sed -n '2,$p' | sed 's/^ *//' |
	    grep -v -e '^#' -e '^$' | while read -r x; do
		case $x in @*) expand "$x" ;; *) echo "$x" ;; esac
	done
}
U=$(sed -n 's/^SystemCallFilter=//p' "$D$UNITDIR/pwadmind.service" | tr '\n' ' ')
if ! command -v strace >/dev/null; then
	t_fail "strace not found (Debian package strace)"
elif [ "$U" != "@system-service ~@privileged @resources " ]; then
	t_fail "the unit's filter changed ('$U'): update this test"
else
	expand @system-service | sort -u >"$T/allowed"
	{ expand @privileged; expand @resources; } | sort -u >"$T/denied"
	# its own socket, in a directory of its user's
	mkdir "$T/u2099"
	chown 2099:2099 "$T/u2099"
	SOCK=$T/u2099/sock
	LD_PRELOAD=libnss_wrapper.so strace -f -qq -o "$T/strace.log" \
	    setpriv --reuid=2099 --regid=2099 --clear-groups \
	    "$D/usr/sbin/pwadmind" -f -c "$T/pwadmind.conf" --socket "$SOCK" \
	    2>"$T/traced.log" &
	SPID=$!
	for _ in $(seq 200); do tc stats >/dev/null 2>&1 && break; sleep 0.05; done
	# the work: reads, PAM checks (right, wrong), admin writes, audit, backup
	tc status alice >/dev/null
	tc list >/dev/null
	sed -i "s|socket=[^ ]*|socket=$SOCK|" "$T/svc/pwinstalled"
	pt alice Good-login-pw1 >/dev/null
	pt alice Wrong-login-pw9 >/dev/null
	tc unlock alice >/dev/null
	printf 'Reset-login-pw5\n' | tc --stdin reset alice --login >/dev/null
	tc audit --verify >/dev/null
	tc backup "$T/backup.mdb" >/dev/null
	work=$(tc audit | wc -l)
	# strace -o blocks fatal signals for itself: stop the daemon, its child
	kill -TERM "$(pgrep -P "$SPID")" 2>/dev/null
	wait "$SPID"
	# the daemon's calls: those after its execve (before it: setpriv's)
	sed -n '/execve(".*\/pwadmind"/,$p' "$T/strace.log" |
	    sed -n 's/^[0-9]* *\([a-z_0-9]*\)(.*/\1/p' | sort -u >"$T/used"
	outside=$(comm -23 "$T/used" "$T/allowed")
	denied=$(comm -12 "$T/used" "$T/denied")
	if [ "$(wc -l <"$T/used")" -lt 30 ] || [ "$work" -lt 3 ] ||
	    [ ! -s "$T/backup.mdb" ]; then
		t_fail "the traced daemon did not do the work ($(wc -l <"$T/used") calls seen, $work audit lines)" \
		    "$(tail -n 3 "$T/traced.log")"
	elif [ -n "$outside$denied" ]; then
		t_fail "system calls the unit would refuse: $(echo $outside $denied)"
	else
		t_ok
	fi
fi

t_done
