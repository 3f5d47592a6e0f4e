#!/bin/sh
# Builds the Debian packages (debian/) into OUT_DIR without touching the
# work tree: the tracked files as they are now (committed or not; a file
# not yet `git add'ed is left out) are copied into a temp dir, built there
# with dpkg-buildpackage -us -uc -b, and the .deb, .ddeb, .buildinfo and
# .changes files and the build log are put into OUT_DIR.  Then lintian
# checks them: an error or a warning that debian/*.lintian-overrides does
# not override fails.  Usage (make deb): tests/deb.sh OUT_DIR
set -eu
out=${1:?usage: tests/deb.sh OUT_DIR}
if ! git rev-parse --show-toplevel >/dev/null 2>&1; then
	echo "tests/deb.sh: not a git work tree (the tracked files are built)" >&2
	exit 1
fi
cd "$(git rev-parse --show-toplevel)"
ver=$(dpkg-parsechangelog -S Version)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pwadmin-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src=$tmp/pwadmin-$ver
mkdir "$src"
# tracked files present in the work tree (a deleted one is left out)
git ls-files -z | xargs -0 sh -c \
    'for f; do if [ -e "$f" ] || [ -L "$f" ]; then printf "%s\0" "$f"; fi; done' sh |
    tar --null -T - -cf - | tar -xf - -C "$src"
echo "tests/deb.sh: building pwadmin $ver in $src"
if ! (cd "$src" && DEB_BUILD_OPTIONS="parallel=${PARALLEL:-2}" \
    dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1; then
	tail -n 40 "$tmp/build.log" >&2
	echo "tests/deb.sh: dpkg-buildpackage failed (log above)" >&2
	exit 1
fi
rm -rf "$out"
mkdir -p "$out"
cp "$tmp"/*.deb "$tmp"/*.buildinfo "$tmp"/*.changes "$tmp/build.log" "$out"/
cp "$tmp"/*.ddeb "$out"/ 2>/dev/null || true
ls -1 "$out"
changes=$(ls "$out"/*.changes)
echo "lintian $changes"
# lintian leaves temp files (mldbm-*) behind: in the temp dir, removed
TMPDIR=$tmp lintian --fail-on error,warning "$changes"
