#!/bin/sh
# The man pages are the users' contract (issue 17): every client command
# and option (client/cli.c), module argument (pam_module/modargs.c) and
# exit status is in them, and nothing the project ships points outside the
# repository (a user's clone has nothing beside it).  The configuration
# keys are checked by tests/unit/test_conf.c (test_every_key_documented).
# Usage, from the project root: sh tests/docs.sh   (exit 1 and a line for
# each thing missing)
set -u
bad=0
miss() {
	echo "docs: $*" >&2
	bad=1
}

man1=client/pwadmin.1
# options: [O_X] = { "--name", ...
for o in $(sed -n 's/^[[:space:]]*\[O_[A-Z_]*\] = { "\(--[a-z-]*\)".*/\1/p' client/cli.c); do
	# "--role" is written "Fl \-role"
	esc=$(printf '%s' "${o#-}" | sed 's/-/\\-/g')
	grep -qF "Fl $esc" "$man1" || miss "$man1 does not describe option $o"
done
# commands: { "name", CLI_CMD_...
sed -n 's/^[[:space:]]*{ "\([a-z ]*\)", CLI_CMD_.*/\1/p' client/cli.c |
while IFS= read -r c; do
	grep -q "^\.It Cm $c\\b" "$man1" || { echo "docs: $man1 has no entry for command $c" >&2; exit 1; }
done || bad=1
# exit statuses 0-3 (client/cli.h)
sed -n '/^\.Sh EXIT STATUS/,/^\.Sh /p' "$man1" >/tmp/pwdocs.$$
for n in 0 1 2 3; do
	grep -qx "\.It $n" /tmp/pwdocs.$$ || miss "$man1 EXIT STATUS lacks $n"
done
rm -f /tmp/pwdocs.$$
# module arguments: strcmp(arg, "x") and value_of(arg, "x=")
for a in $(sed -n 's/.*strcmp(arg, "\([a-z_]*\)").*/\1/p; s/.*value_of(arg, "\([a-z_]*=\)").*/\1/p' pam_module/modargs.c); do
	grep -q "^\.It Cm ${a%=}\\b" pam_module/pam_pwadmin.8 ||
	    grep -q "^\.It Cm ${a%=} Ns = " pam_module/pam_pwadmin.8 ||
	    miss "pam_pwadmin.8 does not describe module argument $a"
done
# nothing shipped points outside the repository
if grep -rn -e '\.\./shared' -e 'SPEC\.md' -e 'STYLE\.md' README.md docs \
    conf client/*.1 daemon/*.8 pam_module/*.8 po/*.po >/tmp/pwdocs.$$ 2>/dev/null; then
	miss "points outside the repository: $(cat /tmp/pwdocs.$$)"
fi
rm -f /tmp/pwdocs.$$
exit $bad
