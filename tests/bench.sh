#!/bin/sh
# Runs the benchmark of a build dir and prints its figures (not a test).
# Usage: tests/bench.sh BUILD_DIR
set -eu
B=${1:?usage: tests/bench.sh BUILD_DIR}
exec "$B/bench/bench"
