#!/bin/sh
# Runs the given test binaries (unit, then integration: those under
# BUILD_DIR/itest/), the system test scripts (tests/system/test_*.sh, given
# BUILD_DIR as their argument) and the static checks, then prints one closing line:
# "N passed, N failed".  The Makefile passes exactly the binaries built
# from the current sources, so a stale one left in the build dir never runs.
# Usage: tests/run.sh BUILD_DIR TEST_BINARY...
set -u
B=${1:?usage: tests/run.sh BUILD_DIR TEST_BINARY...}
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
trap 'rm -f "$log"' EXIT
for t in "$@"; do
	if [ ! -x "$t" ] && [ "${t%.sh}" = "$t" ]; then
		echo "[  FAILED  ] $t: not built"
		failed=$((failed + 1))
		continue
	fi
	echo "== ${t##*/}"
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
	count "$log"
	if [ $rc -ne 0 ] && ! grep -q '^\[  FAILED  \]' "$log"; then
		# crashed or could not start: show why and count it
		tail -n 30 "$log"
		failed=$((failed + 1))
	fi
	[ $rc -ne 0 ] && bad="$bad ${t##*/}"
done

echo "== static checks"
check "module links no daemon library" sh -c \
    "! readelf -d '$B/pam_pwadmin.so' | grep -Eq 'NEEDED.*(lmdb|sodium|oath|jansson)'"
check "module exports only pam_sm_*" sh -c \
    "nm -D --defined-only '$B/pam_pwadmin.so' | awk '{print \$3}' | grep -v '^pam_sm_' | grep -q . && exit 1 || exit 0"
check "man pages lint clean" sh -c \
    "out=\$(mandoc -Tlint -Wwarning pam_module/*.8 daemon/*.8 client/*.1 conf/*.5 2>&1); [ -z \"\$out\" ]"
check "daemon accepts the shipped config" "$B/pwadmind" -n -c conf/pwadmind.conf

echo
[ -n "$bad" ] && echo "failing:$bad"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ -z "$bad" ]
