#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs each libFuzzer harness for SECONDS from a temporary copy of its seeds
# (tests/fuzz/corpus/NAME/) and prints one line per harness, the executions
# in total, and "fuzz: N passed, N failed"; exits 1 when one failed.
# Usage: tests/fuzz/run.sh SECONDS FUZZ_DIR NAME...   (make fuzz, fuzz-check)
set -u
secs=${1:?usage: tests/fuzz/run.sh SECONDS FUZZ_DIR NAME...}
fz=${2:?usage: tests/fuzz/run.sh SECONDS FUZZ_DIR NAME...}
shift 2
passed=0 failed=0 total=0

# Largest input per harness, in bytes: a frame's payload is at most 64 KiB,
# a request with every target and secret about 7 KiB, a history record
# about 13 KiB; secrets are at most 512 bytes a line.
max_len() {
	case "$1" in
	proto_req) echo 8192 ;;
	proto_reply) echo 65536 ;;
	store) echo 16384 ;;
	conf) echo 8192 ;;
	*) echo 4096 ;;
	esac
}

work=$(mktemp -d "${TMPDIR:-/tmp}/pwfuzz.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
for name in "$@"; do
	bin=$fz/fuzz_$name
	art=$fz/artifacts/$name
	log=$work/$name.log
	mkdir -p "$art" "$work/$name/corpus" "$work/$name/tmp"
	# a copy: what libFuzzer adds to its corpus never reaches the tree
	cp -R "tests/fuzz/corpus/$name/." "$work/$name/corpus/"
	# -close_fd_mask=2: the product's own messages for refused inputs
	# (log_warnx, the client's one line) would flood the log; libFuzzer
	# and the sanitizers report on a copy of stderr all the same.
	TMPDIR=$work/$name/tmp UBSAN_OPTIONS=print_stacktrace=1 \
	    timeout $((secs + 300)) "$bin" -max_total_time="$secs" \
	    -print_final_stats=1 -max_len="$(max_len "$name")" -timeout=30 \
	    -close_fd_mask=2 -artifact_prefix="$art/" "$work/$name/corpus" \
	    >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' \
	    "$log" | tail -n 1)
	if [ $rc -eq 0 ] && [ -n "$execs" ] &&
	    ! grep -Eq '^==[0-9]+==(ERROR|WARNING)|runtime error:|^SUMMARY: ' \
	    "$log"; then
		passed=$((passed + 1))
		total=$((total + execs))
		echo "[       OK ] fuzz_$name ($execs executions in ${secs} s)"
	else
		failed=$((failed + 1))
		tail -n 40 "$log"
		echo "[  FAILED  ] fuzz_$name (exit $rc; reproduce with:" \
		    "$bin $art/<crash file>)"
	fi
done
echo "fuzz: $total executions in total"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
