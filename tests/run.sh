#!/bin/sh
# Runs the given test binaries (unit, then integration: those under
# BUILD_DIR/itest/), the system test scripts (tests/system/test_*.sh, given
# BUILD_DIR as their argument), the check that no collected log line holds a
# secret, and the static checks, then prints one closing line:
# "N passed, N failed".  The Makefile passes exactly the binaries built
# from the current sources, so a stale one left in the build dir never runs.
# Usage: tests/run.sh BUILD_DIR TEST_BINARY...
set -u
B=${1:?usage: tests/run.sh BUILD_DIR TEST_BINARY...}
# The tests speak English unless one sets a language itself (the
# Japanese tests do): a developer's own LANG must not change their answers.
unset LC_ALL LC_MESSAGES LANGUAGE
LANG=C
export LANG
shift
passed=0 failed=0 skipped=0 bad=""

count() { # $1 = log file: add cmocka's totals
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$1" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$1" | tail -n 1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$1" | tail -n 1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	skipped=$((skipped + ${s:-0}))
}

check() { # $1 = name, rest = command: one static check
	name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		passed=$((passed + 1))
		echo "[       OK ] $name"
	else
		failed=$((failed + 1))
		bad="$bad $name"
		echo "[  FAILED  ] $name"
	fi
}

# The integration tests need root (init is root-only).  Without it they
# run inside a user namespace where we are root; tests that must switch
# to other uids skip there and say so.
wrap=""
if [ "$(id -u)" -ne 0 ]; then
	if unshare -r true 2>/dev/null; then
		wrap="unshare -r env PWTEST_USERNS=1"
		echo "(not root: integration tests run in a user namespace; tests that switch uid skip)"
	else
		echo "(not root and no user namespaces: integration tests will fail; run as root)"
	fi
fi

log=$(mktemp)
# Every daemon log line, every syslog line of the module and every secret
# the integration tests used, for this run only (tests/lib/harness.h);
# PWTEST_KEEP keeps it.  0711: children switched to other uids append to
# files they cannot list.
PWTEST_LOGDIR=$(mktemp -d "${TMPDIR:-/tmp}/pwtest-logs.XXXXXX") || exit 1
chmod 0711 "$PWTEST_LOGDIR"
export PWTEST_LOGDIR
# pam_wrapper copies the service files into /tmp/pam.X for each process
# that uses it and removes the copy at exit; a child that ends with
# _exit() or a signal leaves it (pam_wrapper reuses it later, as its
# "pid" file names a dead process).  Those this run made are removed.
pamdirs_mark=$(mktemp)
stale_pam_dirs() {
	for d in /tmp/pam.?; do
		[ -d "$d" ] && [ -f "$d/pid" ] && [ "$d" -nt "$pamdirs_mark" ] ||
		    continue
		pid=$(cat "$d/pid" 2>/dev/null)
		case "$pid" in
		'' | *[!0-9]*) continue ;;
		esac
		kill -0 "$pid" 2>/dev/null || rm -rf "$d"
	done
}
cleanup() {
	[ -n "${PWTEST_PG:-}" ] && tests/pg.sh stop "$PWTEST_PG"
	stale_pam_dirs
	rm -f "$log" "$pamdirs_mark"
	if [ -n "${PWTEST_KEEP:-}" ]; then
		echo "(logs and secrets of this run kept in $PWTEST_LOGDIR)"
	else
		rm -rf "$PWTEST_LOGDIR"
	fi
}
trap cleanup EXIT

# The syslog preload (built by make) the harness puts under the integration
# tests, so that the module's pam_syslog lines land in PWTEST_LOGDIR, never
# in the host's syslog.  Plain (no sanitizer): preloaded after libasan.
PWTEST_SYSLOG_SHIM=$B/tests/lib/th_syslog.so
export PWTEST_SYSLOG_SHIM

# Greps every collected log line for every collected secret (fixed
# strings).  Names the file and line of each hit and the secret's number
# in the sorted list (kept with PWTEST_KEEP), never the secret.  Collecting
# nothing fails: no daemon line, no module line or no secret means that
# the collection broke, not that the logs are clean.
no_secret_in_logs() {
	d=$PWTEST_LOGDIR
	all=$d/all-secrets
	(umask 077 && LC_ALL=C sort -u "$d"/*.secrets 2>/dev/null |
	    grep -av '^$' >"$all")
	nsec=$(wc -l <"$all")
	ndaemon=$(cat "$d"/*.daemon.log 2>/dev/null | wc -l)
	nmodule=$(cat "$d"/*.syslog.log 2>/dev/null | wc -l)
	echo "    collected $ndaemon daemon lines, $nmodule syslog lines," \
	    "$nsec secrets"
	if [ "$ndaemon" -eq 0 ] || [ "$nmodule" -eq 0 ] || [ "$nsec" -eq 0 ]; then
		echo "    nothing collected: the collection is broken"
		return 1
	fi
	# grep finds the lines; awk names which secrets (index: a fixed string)
	LC_ALL=C grep -aHnF -f "$all" "$d"/*.daemon.log "$d"/*.syslog.log |
	    LC_ALL=C awk -v all="$all" '
		BEGIN { while ((getline s <all) > 0) sec[++n] = s }
		{
			f = $0; sub(/:.*/, "", f); rest = substr($0, length(f) + 2)
			l = rest; sub(/:.*/, "", l); text = substr(rest, length(l) + 2)
			which = ""
			for (i = 1; i <= n; i++)
				if (index(text, sec[i]))
					which = which " #" i
			sub(/.*\//, "", f)
			if (++hits <= 30)
				printf "    secret%s (numbered in %s) found in " \
				    "%s line %s\n", which, all, f, l
		}
		END {
			if (hits > 30)
				printf "    ... %d lines in all\n", hits
			exit (hits > 0 ? 1 : 0)
		}'
}

# Runs one test binary or script; $2 names the pass ("" or "postgresql").
run_one() {
	t=$1
	if [ ! -x "$t" ] && [ "${t%.sh}" = "$t" ]; then
		echo "[  FAILED  ] $t: not built"
		failed=$((failed + 1))
		return
	fi
	echo "== ${t##*/}${2:+ ($2)}"
	start=$(date +%s)
	case "$t" in
	"$B"/itest/*) run="$wrap" ;; # integration
	*) run="" ;;
	esac
	# shellcheck disable=SC2086
	case "$t" in
	*.sh) timeout 600 bash "$t" "$B" >"$log" 2>&1 ;;
	*) timeout 600 $run "$t" >"$log" 2>&1 ;;
	esac
	rc=$?
	grep -E '^\[ *(RUN|OK|FAILED|PASSED|SKIPPED|ERROR|LINE) *\]|^ {4}' "$log"
	# how long it took, so that the slow ones are known
	echo "   (${t##*/}${2:+ ($2)}: $(($(date +%s) - start)) s)"
	count "$log"
	if [ $rc -ne 0 ] && ! grep -q '^\[  FAILED  \]' "$log"; then
		# crashed or could not start: show why and count it
		tail -n 30 "$log"
		failed=$((failed + 1))
	fi
	[ $rc -ne 0 ] && bad="$bad ${t##*/}${2:+($2)}"
}

for t in "$@"; do
	run_one "$t" ""
done

# The integration suite again with every daemon on PostgreSQL (one
# cluster, a new database per daemon: tests/lib/harness.h), the tests that
# reach into LMDB's files skipping with their reason.  test_fleet.c runs
# on PostgreSQL in the first pass already.  PWTEST_PG_PASS=0 leaves it out
# (make check does, in its sanitizer build).
case "${PWTEST_PG_PASS:-1} $* " in
0*) ;;
*" $B/itest/"*)
	PWTEST_PG=$(mktemp -d "${TMPDIR:-/tmp}/pwtest-pg.XXXXXX") || exit 1
	rmdir "$PWTEST_PG"
	if tests/pg.sh start "$PWTEST_PG" >"$log" 2>&1; then
		export PWTEST_PG
		for t in "$@"; do
			case "$t" in
			*/test_fleet) ;;
			"$B"/itest/*) run_one "$t" postgresql ;;
			esac
		done
		tests/pg.sh stop "$PWTEST_PG"
		unset PWTEST_PG
	else
		cat "$log"
		echo "[  FAILED  ] the PostgreSQL cluster did not start"
		failed=$((failed + 1))
		bad="$bad postgresql"
	fi
	;;
esac

case " $* " in
*" $B/itest/"*)
	echo "== no secret in logs"
	if no_secret_in_logs; then
		passed=$((passed + 1))
		echo "[       OK ] no_secret_in_logs"
	else
		failed=$((failed + 1))
		bad="$bad no_secret_in_logs"
		echo "[  FAILED  ] no_secret_in_logs"
	fi
	;;
esac

echo "== static checks"
check "module links no daemon library" sh -c \
    "! readelf -d '$B/pam_pwadmin.so' | grep -Eq 'NEEDED.*(lmdb|sodium|oath|jansson)'"
check "module exports only pam_sm_*" sh -c \
    "nm -D --defined-only '$B/pam_pwadmin.so' | awk '{print \$3}' | grep -v '^pam_sm_' | grep -q . && exit 1 || exit 0"
check "man pages lint clean" sh -c \
    "out=\$(mandoc -Tlint -Wwarning pam_module/*.8 daemon/*.8 client/*.1 conf/*.5 2>&1); [ -z \"\$out\" ]"
check "daemon accepts the shipped config" "$B/pwadmind" -n -c conf/pwadmind.conf
check "catalogues complete and current (tests/i18n.sh)" tests/i18n.sh
check "man pages cover every command, option, argument (tests/docs.sh)" \
    sh tests/docs.sh

echo
[ -n "$bad" ] && echo "failing:$bad"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ -z "$bad" ]
