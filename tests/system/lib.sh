# shellcheck shell=bash
# Shared by the system tests (tests/system/test_*.sh): tests that drive the
# built or installed programs from outside, as an administrator would
# (make install, a real sshd, pam-auth-update).  Each prints the same
# lines as cmocka, so tests/run.sh counts them with the unit tests:
#   [ RUN      ] name / [       OK ] name / [  FAILED  ] name / [  SKIPPED ] name
# and at the end "[  PASSED  ] N test(s)." (and FAILED / SKIPPED totals).
# Usage, from the project root:  bash tests/system/test_X.sh BUILD_DIR
#
#   t_begin NAME        starts a test
#   t_ok                the current test passed
#   t_fail MESSAGE...   the current test failed, with why (one line each)
#   t_skip REASON       the current test cannot run here, and why
#   t_check NAME CMD... one whole test: passes when CMD exits 0
#   t_done              prints the totals; exit status 1 if anything failed
#   t_tmpdir            a private temp dir (removed at exit); sets T, and
#                       T_SOCK=$T/sock (the socket t_client and t_store use)

T_PASSED=0 T_FAILED=0 T_SKIPPED=0 T_NAME="" T_FAILS=""

t_begin() { T_NAME=$1; echo "[ RUN      ] $T_NAME"; }
t_ok() { T_PASSED=$((T_PASSED + 1)); echo "[       OK ] $T_NAME"; }
t_fail() {
	local l
	for l in "$@"; do printf '    %s\n' "$l"; done
	T_FAILED=$((T_FAILED + 1))
	T_FAILS="$T_FAILS$T_NAME
"
	echo "[  FAILED  ] $T_NAME"
}
t_skip() {
	printf '    skipped: %s\n' "$1"
	T_SKIPPED=$((T_SKIPPED + 1))
	echo "[  SKIPPED ] $T_NAME"
}
t_check() {
	local name=$1 out
	shift
	t_begin "$name"
	if out=$("$@" 2>&1); then
		t_ok
	else
		# shellcheck disable=SC2046
		t_fail "$(printf '%s' "$out" | tail -n 5)"
	fi
}
t_done() {
	echo "[==========] $((T_PASSED + T_FAILED + T_SKIPPED)) test(s) run."
	echo "[  PASSED  ] $T_PASSED test(s)."
	[ "$T_SKIPPED" -gt 0 ] && echo "[  SKIPPED ] $T_SKIPPED test(s)."
	if [ "$T_FAILED" -gt 0 ]; then
		echo "[  FAILED  ] $T_FAILED test(s), listed below:"
		printf '%s' "$T_FAILS" | while IFS= read -r n; do
			echo "[  FAILED  ] $n"
		done
		exit 1
	fi
	exit 0
}
t_tmpdir() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/pwadmin-systest.XXXXXX")
	chmod 0755 "$T"
	T_SOCK=$T/sock
	# shellcheck disable=SC2064
	trap "t_cleanup_hook 2>/dev/null; rm -rf '$T'" EXIT
}
# A test may redefine this to stop what it started (daemons, sshd).
t_cleanup_hook() { :; }

# ---- fake users, a private daemon, the client ----
# Fake users come from nss_wrapper (files in $T), never /etc/passwd.
# t_users [LINE...]: boss 2001 (to be the master), alice 2002, carol 2003,
# bob 2005, plus any extra passwd LINEs (each gets a group of its gid).
t_users() {
	local l
	{
		echo "root:x:0:0:root:/root:/bin/sh"
		echo "boss:x:2001:2001:A master:$T/home:/bin/sh"
		echo "alice:x:2002:2002:A user:$T/home:/bin/sh"
		echo "carol:x:2003:2003:An admin:$T/home:/bin/sh"
		echo "bob:x:2005:2005:Another user:$T/home:/bin/sh"
		for l in "$@"; do echo "$l"; done
	} >"$T/passwd"
	awk -F: '{ print $1 ":x:" $4 ":" }' "$T/passwd" >"$T/group"
	mkdir -p "$T/home"
	chmod 0755 "$T/home"
	export NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group"
}

# t_conf [LINE...]: $T/pwadmind.conf for a private daemon (socket $T/sock,
# store $T/state, stays root), cheap Argon2id so tests stay fast; extra
# LINEs are appended.
t_conf() {
	local l
	mkdir -p "$T/state"
	chmod 0700 "$T/state"
	{
		echo "socket = $T/sock"
		echo "state_dir = $T/state"
		echo "user = root"
		echo "argon2_ops = 1"
		echo "argon2_mem_kib = 8192"
		for l in "$@"; do echo "$l"; done
	} >"$T/pwadmind.conf"
	chmod 0644 "$T/pwadmind.conf"
}

# t_client ARGS...: the client ($T_PWADMIN, default BUILD/pwadmin) on the
# private socket, as root.
t_client() {
	LD_PRELOAD=libnss_wrapper.so "${T_PWADMIN:-$B/pwadmin}" \
	    --socket "$T_SOCK" "$@"
}

T_DAEMON_PID=""
# t_daemon [PWADMIND]: starts the daemon in the foreground on $T/pwadmind.conf
# (log in $T/daemon.log) and waits until it answers a request.  Returns 1,
# with the log, if it does not.
t_daemon() {
	local bin=${1:-$B/pwadmind} i
	LD_PRELOAD=libnss_wrapper.so "$bin" -f -c "$T/pwadmind.conf" \
	    2>>"$T/daemon.log" &
	T_DAEMON_PID=$!
	for i in $(seq 200); do
		t_client stats >/dev/null 2>&1 && return 0
		kill -0 "$T_DAEMON_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$T/daemon.log" >&2
	return 1
}
t_daemon_stop() {
	[ -n "$T_DAEMON_PID" ] || return 0
	kill "$T_DAEMON_PID" 2>/dev/null
	wait "$T_DAEMON_PID" 2>/dev/null
	T_DAEMON_PID=""
}

# t_store: boss the master (login Master-login-pw1, confirmation
# Master-conf-pw1); alice a user and carol an admin, each with login
# Good-login-pw1 and confirmation Good-conf-pw1, already changed by
# themselves (no must-change mark).
t_store() {
	printf 'Master-login-pw1\nMaster-conf-pw1\n' |
	    t_client --stdin init --master boss >/dev/null &&
	    t_account alice user && t_account carol admin
}
# t_account USER ROLE: created by root with issued passwords, then changed
# by the user through `pwadmin passwd' to Good-login-pw1 / Good-conf-pw1.
t_account() {
	local u=$1
	printf 'Issued-login-7x\nIssued-conf-7x\n' |
	    t_client --stdin useradd "$u" --role "$2" >/dev/null || return 1
	printf 'Issued-login-7x\nGood-login-pw1\nIssued-conf-7x\nGood-conf-pw1\n' |
	    LD_PRELOAD=libnss_wrapper.so setpriv --reuid="$u" --regid="$u" \
	    --clear-groups "${T_PWADMIN:-$B/pwadmin}" --socket "$T_SOCK" --stdin \
	    passwd >/dev/null
}
