#!/bin/bash
# The pam-auth-update profile conf/pam-configs/pwadmin, with Debian's own
# /usr/sbin/pam-auth-update, without touching the machine's PAM setup.
# pam-auth-update runs in a private mount namespace (unshare -m) where temp
# copies are bind-mounted over /etc (all of it, not only /etc/pam.d: two
# password tests let pam_unix write /etc/passwd and /etc/shadow),
# /usr/share/pam-configs (plus the profile), /var/lib/pam (pam-auth-update's
# saved state) and /var/cache/debconf (its answers); the machine's own files
# are compared before and after.  The common-* files it writes are then used
# through real PAM calls: pamtester under pam_wrapper and nss_wrapper, with
# only the pam_pwadmin.so lines pointed at the built module and a private
# daemon.  Then --disable and --remove must give back the files as they were.
#
# Fake accounts (nss_wrapper; their Unix passwords are hashes in the
# passwd field, which pam_unix reads as it would /etc/shadow):
#   alice  in the store (Good-login-pw1), Unix password Alice-unix-pw1
#   dave   not in the store, Unix password Dave-unix-pw1
#   root   not in the store, Unix password Root-unix-pw1
#
# Usage, from the project root, as root:
#   bash tests/system/test_pam_auth_update.sh BUILD_DIR
# Not root, or without unshare -m: every test skips and says why.
#
# Helpers defined here (lib.sh is shared and left alone):
#   in_ns CMD...         runs CMD in a new private mount namespace over the
#                        copies in $T/root (checked before CMD runs)
#   pau ARGS...          pam-auth-update ARGS in that namespace,
#                        noninteractive; output in $T/pau.out
#   stack FILE TYPE      the module lines of a PAM file, numbered
#   go FILE TYPE N CODE  where module line N of FILE sends return CODE:
#                        a line number, "die", "done" or "bad-jump"
#   pt ANSWERS USER OPS...  pamtester on service svc, ANSWERS on its stdin;
#                        sets PT_RC and PT_OUT (pt_ns: the same, in_ns)
#   fail MESSAGE...      t_fail with every line of every MESSAGE indented
#   unix_hash PW         a SHA-512 crypt hash of PW
# shellcheck disable=SC2119 # t_conf, t_daemon: no arguments wanted
set -u
B=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd) || exit 2
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/system/lib.sh
. tests/system/lib.sh
PROFILE=$PWD/conf/pam-configs/pwadmin

TESTS="not_enabled_by_default enable_is_clean auth_stack account_stack password_stack
session_untouched store_account_right_password
store_account_wrong_password_refused_and_counted
not_in_store_falls_through_to_unix root_not_in_store_uses_unix
daemon_down_store_account_refused daemon_down_only_root_falls_back
forced_change_through_common_password root_changes_unix_password
not_in_store_cannot_change_through_unix disable_restores_common_files
remove_restores_common_files machine_pam_setup_untouched"

skip_all() {
	local n
	for n in $TESTS; do
		t_begin "$n"
		t_skip "$1"
	done
	t_done
}

if [ "$(id -u)" -ne 0 ]; then
	skip_all "needs root: pam-auth-update can only be run against temp copies of /etc/pam.d and /usr/share/pam-configs inside a private mount namespace (unshare -m), which needs root"
fi
if ! unshare -m --propagation private true 2>/dev/null; then
	skip_all "unshare -m is not permitted here: without a private mount namespace pam-auth-update would rewrite the machine's /etc/pam.d"
fi
for tool in pam-auth-update pamtester perl; do
	command -v "$tool" >/dev/null ||
	    skip_all "$tool is not installed (apt-get install libpam-runtime pamtester perl)"
done
for lib in libpam_wrapper.so libnss_wrapper.so; do
	ldconfig -p | grep -q "$lib" ||
	    skip_all "$lib is not installed (apt-get install libpam-wrapper libnss-wrapper)"
done

t_tmpdir
# shellcheck disable=SC2317 # called by lib.sh's exit trap
t_cleanup_hook() { t_daemon_stop; }

# ---- the machine's state, to compare at the end ----
WATCH="/etc/pam.d /usr/share/pam-configs /var/lib/pam /var/cache/debconf /etc/passwd /etc/shadow"
machine_sums() {
	# shellcheck disable=SC2086
	find $WATCH -print0 2>/dev/null | sort -z | xargs -0 stat -c '%n %a %U %F'
	# shellcheck disable=SC2086
	find $WATCH -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum
}
machine_sums >"$T/machine.before"

# ---- the private namespace ----
R=$T/root
mkdir -p "$R"
cp -a /etc "$R/etc"
cp -a /usr/share/pam-configs "$R/pam-configs"
cp "$PROFILE" "$R/pam-configs/pwadmin"
chmod 0644 "$R/pam-configs/pwadmin"
cp -a /var/lib/pam "$R/var-lib-pam"
cp -a /var/cache/debconf "$R/debconf"

# in_ns CMD...: CMD runs only once every bind mount is in place, checked
# by device and inode (an unmounted path would be the machine's own).
cat >"$T/ns.sh" <<'EOF'
set -e
R=$1
shift
set -- "$R/etc:/etc" "$R/pam-configs:/usr/share/pam-configs" \
    "$R/var-lib-pam:/var/lib/pam" "$R/debconf:/var/cache/debconf" -- "$@"
while [ "$1" != -- ]; do
	mount --bind "${1%%:*}" "${1#*:}"
	[ "$(stat -c %d:%i "${1%%:*}")" = "$(stat -c %d:%i "${1#*:}")" ] || {
		echo "ns.sh: ${1#*:} is not the copy; stopped" >&2
		exit 97
	}
	shift
done
shift
exec "$@"
EOF
in_ns() { unshare -m --propagation private bash "$T/ns.sh" "$R" "$@"; }
pau() {
	in_ns env DEBIAN_FRONTEND=noninteractive pam-auth-update "$@" \
	    >"$T/pau.out" 2>&1
}
COMMON="auth account password session session-noninteractive"
snapshot() { # DIR: the common-* files of the namespace
	local f
	mkdir -p "$1"
	for f in $COMMON; do cp "$R/etc/pam.d/common-$f" "$1/"; done
}
same_files() { # DIR1 DIR2: prints what differs
	local f
	for f in $COMMON; do
		cmp -s "$1/common-$f" "$2/common-$f" ||
		    diff "$1/common-$f" "$2/common-$f" | sed "s|^|common-$f: |"
	done
}

# ---- reading a PAM stack ----
stack() { # FILE TYPE
	awk -v type="$2" '$1 == type { n++; $1 = ""; sub(/^ +/, ""); print n ": " $0 }' "$1"
}
# go FILE TYPE N CODE: where module line N sends CODE (libpam's rules:
# [code=value ... default=value], or required/requisite/sufficient/optional).
go() {
	awk -v type="$2" -v n="$3" -v code="$4" '
	$1 == type { k++; ctl[k] = $2; if ($2 ~ /^\[/ && $2 !~ /\]$/) {
		for (i = 3; i <= NF; i++) { ctl[k] = ctl[k] " " $i; if ($i ~ /\]$/) break } } }
	END {
		c = ctl[n]
		if (c == "") { print "no-line"; exit }
		if (c !~ /^\[/) {
			if (code == "success") { print n + 1; exit }
			if (c == "requisite") { print "die"; exit }
			print n + 1; exit
		}
		gsub(/[\[\]]/, "", c)
		m = split(c, a, " ")
		v = ""
		for (i = 1; i <= m; i++) { split(a[i], kv, "="); if (kv[1] == code) v = kv[2] }
		if (v == "") for (i = 1; i <= m; i++) { split(a[i], kv, "="); if (kv[1] == "default") v = kv[2] }
		if (v ~ /^[0-9]+$/) { t = n + 1 + v; print (t <= k ? t : "bad-jump"); exit }
		if (v == "ignore" || v == "ok") { print n + 1; exit }
		print v
	}' "$1"
}
line_of() { # FILE TYPE N: the module and arguments of module line N
	stack "$1" "$2" | awk -v n="$3" -F': ' '$1 == n { sub(/^[0-9]+: /, ""); print }' |
	    sed 's/^\[[^]]*\][[:space:]]*//; s/^\(required\|requisite\|sufficient\|optional\)[[:space:]]\{1,\}//'
}
before() { # N M: yes when both are line numbers and N < M
	if [ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]; then echo yes; else echo no; fi
}
first_line() { # FILE TYPE REGEX: the number of the first module line matching
	stack "$1" "$2" | grep -E "$3" | head -n 1 | cut -d: -f1
}
# after_deny FILE TYPE: the line after the stack's "requisite pam_deny.so",
# where every module that decides a success must land (the pam_permit
# that primes the stack, then the Additional block).
after_deny() {
	local d
	d=$(first_line "$1" "$2" 'requisite[[:space:]]+pam_deny\.so')
	[ -n "$d" ] && echo $((d + 1))
}

# expect WHAT GOT WANT: appends to ERRS when they differ.
ERRS=()
expect() {
	[ "$2" = "$3" ] || ERRS+=("$1: got '$2', want '$3'")
}
verdict() { # the current test from ERRS, with the stack when it failed
	if [ ${#ERRS[@]} -eq 0 ]; then
		t_ok
	else
		local l
		while IFS= read -r l; do ERRS+=("$l"); done < <(stack "$1" "$2")
		fail "${ERRS[@]}"
	fi
	ERRS=()
}

# ---- PAM calls ----
unix_hash() { perl -e 'print crypt($ARGV[0], q($6$pwadminsystest$))' "$1"; }
pt() { # ANSWERS USER OPS...: ANSWERS (one a line) go to pamtester's stdin
	local in=$1 ns=()
	shift
	[ "${PT_NS:-0}" = 1 ] && ns=(in_ns)
	printf '%s\n' "$in" | "${ns[@]}" env \
	    "LD_PRELOAD=libpam_wrapper.so libnss_wrapper.so" PAM_WRAPPER=1 \
	    "PAM_WRAPPER_SERVICE_DIR=$T/svc" pamtester svc "$@" >"$T/pt.out" 2>&1
	PT_RC=$?
	# one line per prompt or message, pam_wrapper's own lines left out
	PT_OUT=$(sed 's/PWRAP_[A-Z]*\[.*$//; s/[Pp]assword: /&\n/g; s/pamtester: /\n&/g' \
	    "$T/pt.out" | sed '/^[[:space:]]*$/d')
}
pt_ns() { PT_NS=1 pt "$@"; } # pt in the namespace, where /etc is the copy
# fail MESSAGE...: t_fail, with each line of each MESSAGE a line of its own
fail() {
	local a l msg=()
	for a in "$@"; do
		while IFS= read -r l; do msg+=("$l"); done <<<"$a"
	done
	t_fail "${msg[@]}"
}
# pau_restores SNAPDIR ARGS...: the current test passes when
# pam-auth-update ARGS exits 0, says nothing, and leaves the common-*
# files as they were in $T/before (snapshot kept in SNAPDIR).
pau_restores() {
	local snap=$1 rc d
	shift
	pau "$@"
	rc=$?
	snapshot "$snap"
	d=$(same_files "$T/before" "$snap")
	if [ $rc -eq 0 ] && [ -z "$d" ] && [ ! -s "$T/pau.out" ]; then
		t_ok
	else
		fail "pam-auth-update $*: exit $rc, said: $(cat "$T/pau.out")" \
		    "differences from before:" "$d"
	fi
}
pt_lines() { printf 'pamtester exit %s, said:\n' "$PT_RC"; printf '%s\n' "$PT_OUT"; }
field() { # USER KEY: a field of `pwadmin status USER'
	t_client status "$1" 2>&1 | awk -F': ' -v k="$2" '$1 == k { print $2 }'
}

# ====================================================================
# 1. pam-auth-update --enable pwadmin
snapshot "$T/before"
# What a package's postinst runs once the profile is installed: with
# "Default: no" it must change nothing.
t_begin not_enabled_by_default
pau_restores "$T/package" --package

t_begin enable_is_clean
pau --enable pwadmin
rc=$?
snapshot "$T/enabled"
out=$(cat "$T/pau.out")
if [ $rc -ne 0 ] || [ -n "$out" ]; then
	fail "pam-auth-update --enable pwadmin: exit $rc, wanted 0 and no output; it said:" "$out"
elif ! grep -qx pwadmin "$R/var-lib-pam/seen"; then
	fail "/var/lib/pam/seen (the copy) does not list pwadmin:" "$(cat "$R/var-lib-pam/seen")"
elif [ -z "$(same_files "$T/before" "$T/enabled")" ]; then
	fail "the common-* files did not change"
else
	t_ok
fi

E=$T/enabled
# 2. the stacks pam-auth-update wrote, jump by jump
t_begin auth_stack
F=$E/common-auth
p=$(first_line "$F" auth 'pam_pwadmin\.so')
u=$(first_line "$F" auth 'pam_unix\.so')
ok=$(after_deny "$F" auth)
expect "pam_pwadmin.so (line ${p:-none}) before pam_unix.so (line ${u:-none})" "$(before "$p" "$u")" yes
if [ -n "$p" ] && [ -n "$u" ] && [ -n "$ok" ] && [ "$p" -lt "$u" ]; then
	expect "pam_pwadmin.so arguments" "$(line_of "$F" auth "$p")" "pam_pwadmin.so otp"
	expect "success of pwadmin (via the profile's pam_permit: success=end)" \
	    "$(go "$F" auth "$(go "$F" auth "$p" success)" success)" "$ok"
	expect "the line pwadmin's success jumps to" \
	    "$(line_of "$F" auth "$(go "$F" auth "$p" success)")" "pam_permit.so"
	expect "user_unknown of pwadmin" "$(go "$F" auth "$p" user_unknown)" "$u"
	expect "authinfo_unavail of pwadmin" "$(go "$F" auth "$p" authinfo_unavail)" $((p + 1))
	expect "auth_err of pwadmin" "$(go "$F" auth "$p" auth_err)" die
	expect "maxtries of pwadmin" "$(go "$F" auth "$p" maxtries)" die
	expect "perm_denied of pwadmin" "$(go "$F" auth "$p" perm_denied)" die
	expect "line after pwadmin" "$(line_of "$F" auth $((p + 1)))" "pam_succeed_if.so uid eq 0 quiet"
	expect "success of pam_succeed_if (root)" "$(go "$F" auth $((p + 1)) success)" "$u"
	expect "auth_err of pam_succeed_if (not root)" "$(go "$F" auth $((p + 1)) auth_err)" die
	expect "pam_unix after pwadmin takes the typed password" \
	    "$(line_of "$F" auth "$u" | grep -c try_first_pass)" 1
	expect "the line after pam_deny" "$(line_of "$F" auth "$ok")" "pam_permit.so"
fi
verdict "$F" auth

t_begin account_stack
F=$E/common-account
p=$(first_line "$F" account 'pam_pwadmin\.so')
u=$(first_line "$F" account 'pam_unix\.so')
ok=$(after_deny "$F" account)
expect "pam_pwadmin.so (line ${p:-none}) before pam_unix.so (line ${u:-none})" "$(before "$p" "$u")" yes
if [ -n "$p" ] && [ -n "$u" ] && [ -n "$ok" ] && [ "$p" -lt "$u" ]; then
	expect "success of pwadmin (via the profile's pam_permit: success=end)" \
	    "$(go "$F" account "$(go "$F" account "$p" success)" success)" "$ok"
	expect "new_authtok_reqd of pwadmin" "$(go "$F" account "$p" new_authtok_reqd)" "done"
	expect "user_unknown of pwadmin" "$(go "$F" account "$p" user_unknown)" "$u"
	expect "authinfo_unavail of pwadmin" "$(go "$F" account "$p" authinfo_unavail)" $((p + 1))
	expect "perm_denied of pwadmin" "$(go "$F" account "$p" perm_denied)" die
	expect "line after pwadmin" "$(line_of "$F" account $((p + 1)))" "pam_succeed_if.so uid eq 0 quiet"
	expect "success of pam_succeed_if (root)" "$(go "$F" account $((p + 1)) success)" "$u"
	expect "auth_err of pam_succeed_if (not root)" "$(go "$F" account $((p + 1)) auth_err)" die
fi
verdict "$F" account

t_begin password_stack
F=$E/common-password
s=$(first_line "$F" password 'pam_succeed_if\.so')
p=$(first_line "$F" password 'pam_pwadmin\.so')
u=$(first_line "$F" password 'pam_unix\.so')
ok=$(after_deny "$F" password)
expect "pam_succeed_if, pam_pwadmin, pam_unix in that order" "${s:-none},${p:-none},${u:-none}" \
    "${s:-none},$((${s:-0} + 1)),$((${s:-0} + 2))"
if [ -n "$s" ] && [ -n "$p" ] && [ -n "$u" ] && [ -n "$ok" ] && [ "$p" = $((s + 1)) ] &&
    [ "$u" = $((s + 2)) ]; then
	expect "the first line" "$(line_of "$F" password "$s")" "pam_succeed_if.so uid eq 0 quiet"
	expect "success of pam_succeed_if (root: its own pam_unix)" "$(go "$F" password "$s" success)" "$u"
	expect "auth_err of pam_succeed_if (not root: pwadmin)" "$(go "$F" password "$s" auth_err)" "$p"
	expect "success of pwadmin" "$(go "$F" password "$p" success)" "$ok"
	expect "user_unknown of pwadmin" "$(go "$F" password "$p" user_unknown)" die
	expect "authinfo_unavail of pwadmin" "$(go "$F" password "$p" authinfo_unavail)" die
	expect "authtok_err of pwadmin" "$(go "$F" password "$p" authtok_err)" die
	expect "root's pam_unix (first in the stack: no use_authtok)" \
	    "$(line_of "$F" password "$u")" "pam_unix.so obscure yescrypt"
	expect "success of root's pam_unix" "$(go "$F" password "$u" success)" "$ok"
	expect "authtok_err of root's pam_unix" "$(go "$F" password "$u" authtok_err)" die
fi
verdict "$F" password

t_begin session_untouched
d=$(same_files "$T/before" "$E" | grep '^common-session')
if [ -n "$d" ]; then fail "the profile has no session lines, yet:" "$d"; else t_ok; fi

# ====================================================================
# 2. real PAM calls through the generated stacks
t_users "dave:x:2006:2006:Not in the store:$T/home:/bin/sh"
# Unix passwords as hashes in the passwd field (pam_unix reads them there)
awk -F: -v OFS=: -v r="$(unix_hash Root-unix-pw1)" -v a="$(unix_hash Alice-unix-pw1)" \
    -v d="$(unix_hash Dave-unix-pw1)" '
    $1 == "root" { $2 = r } $1 == "alice" { $2 = a } $1 == "dave" { $2 = d } { print }' \
    "$T/passwd" >"$T/passwd.new" && mv "$T/passwd.new" "$T/passwd"
t_conf
mkdir -p "$T/svc"
SETUP_ERR=""
for f in auth account password session; do
	sed -E "s#[[:space:]]pam_pwadmin\.so([[:space:]]|\$)#	$B/pam_pwadmin.so socket=$T/sock\1#" \
	    "$E/common-$f" >"$T/svc/common-$f"
	[ "$(grep -c 'pam_pwadmin\.so' "$E/common-$f")" = \
	    "$(grep -c "	$B/pam_pwadmin\.so socket=$T/sock" "$T/svc/common-$f")" ] ||
	    SETUP_ERR="${SETUP_ERR:+$SETUP_ERR
}common-$f: a pam_pwadmin.so line was not pointed at the built module"
done
# Absolute paths: under pam_wrapper a relative "@include common-auth" is
# read from the machine's /etc/pam.d, not from PAM_WRAPPER_SERVICE_DIR.
for f in auth account password session; do
	echo "@include $T/svc/common-$f"
done >"$T/svc/svc"
printf 'auth required pam_deny.so\naccount required pam_deny.so\npassword required pam_deny.so\nsession required pam_deny.so\n' >"$T/svc/other"

DAEMON_OK=1
if ! t_daemon 2>"$T/daemon.start" || ! t_store >"$T/store.out" 2>&1; then
	DAEMON_OK=0
fi
need_daemon() { # the setup the PAM tests need, or the current test fails
	if [ -n "$SETUP_ERR" ]; then
		fail "$SETUP_ERR"
		return 1
	fi
	[ "$DAEMON_OK" = 1 ] && return 0
	fail "the private daemon or its store did not start:" "$(tail -n 5 "$T/daemon.start" "$T/store.out")"
	return 1
}

t_begin store_account_right_password
if need_daemon; then
	pt Good-login-pw1 alice authenticate acct_mgmt
	if [ "$PT_RC" -eq 0 ] && [ "$(field alice login_failures)" = 0 ]; then
		t_ok
	else
		fail "alice with her store password, wanted success:" "$(pt_lines)"
	fi
fi

t_begin store_account_wrong_password_refused_and_counted
if need_daemon; then
	# her Unix password: pam_unix would take it, pwadmin must not pass it on
	pt Alice-unix-pw1 alice authenticate
	n=$(field alice login_failures)
	if [ "$PT_RC" -ne 0 ] && [ "$n" = 1 ]; then
		t_ok
	else
		fail "alice with a wrong store password (her Unix one), wanted refused and login_failures 1, got login_failures '$n'" "$(pt_lines)"
	fi
fi

t_begin not_in_store_falls_through_to_unix
if need_daemon; then
	pt Dave-unix-pw1 dave authenticate acct_mgmt
	r1=$PT_RC o1=$(pt_lines)
	pt Wrong-unix-pw9 dave authenticate
	if [ "$r1" -eq 0 ] && [ "$PT_RC" -ne 0 ]; then
		t_ok
	else
		fail "dave (not in the store): pam_unix must decide; his Unix password should pass, a wrong one not" \
		    "right one: $o1" "wrong one: $(pt_lines)"
	fi
fi

t_begin root_not_in_store_uses_unix
if need_daemon; then
	pt Root-unix-pw1 root authenticate acct_mgmt
	if [ "$PT_RC" -eq 0 ]; then t_ok; else fail "root with its Unix password, wanted success:" "$(pt_lines)"; fi
fi

t_daemon_stop
t_begin daemon_down_store_account_refused
if [ -n "$SETUP_ERR" ]; then fail "$SETUP_ERR"; else
pt Good-login-pw1 alice authenticate
r1=$PT_RC o1=$(pt_lines)
pt Alice-unix-pw1 alice authenticate
if [ "$r1" -ne 0 ] && [ "$PT_RC" -ne 0 ]; then
	t_ok
else
	fail "daemon stopped: alice must be refused with any password" \
	    "store password: $o1" "Unix password: $(pt_lines)"
fi
fi

t_begin daemon_down_only_root_falls_back
if [ -n "$SETUP_ERR" ]; then fail "$SETUP_ERR"; else
pt Root-unix-pw1 root authenticate acct_mgmt
r1=$PT_RC o1=$(pt_lines)
pt Dave-unix-pw1 dave authenticate
if [ "$r1" -eq 0 ] && [ "$PT_RC" -ne 0 ]; then
	t_ok
else
	fail "daemon stopped: root's Unix password should pass, dave's (who may be in the store: nobody can tell) not" \
	    "root: $o1" "dave: $(pt_lines)"
fi
fi

DAEMON_OK=0
t_daemon 2>>"$T/daemon.start" && DAEMON_OK=1
t_begin forced_change_through_common_password
if need_daemon; then
	printf 'Reset-login-pw22\n' | t_client --stdin reset alice --login >"$T/reset.out" 2>&1
	r0=$?
	pt Reset-login-pw22 alice authenticate acct_mgmt
	r1=$PT_RC o1=$(pt_lines)
	pt $'Reset-login-pw22\nNew-login-pw33\nNew-login-pw33' alice 'chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK)'
	r2=$PT_RC o2=$(pt_lines)
	must=$(field alice must_change)
	pt New-login-pw33 alice authenticate acct_mgmt
	if [ "$r0" -eq 0 ] && [ "$r1" -ne 0 ] && printf '%s' "$o1" | grep -q 'new one required' &&
	    [ "$r2" -eq 0 ] && [ "$must" = none ] && [ "$PT_RC" -eq 0 ]; then
		t_ok
	else
		fail "reset (exit $r0): $(cat "$T/reset.out")" \
		    "acct_mgmt after the reset, wanted 'new one required': $o1" \
		    "chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK), wanted success: $o2" \
		    "must_change afterwards: '$must', wanted 'none'" "login with the new password: $(pt_lines)"
	fi
fi

# pam_unix writes /etc/passwd or /etc/shadow: these two run in the namespace,
# where /etc is the copy.
pw_entry() { # USER: the password field pam_unix keeps for USER in the copy
	local h
	h=$(awk -F: -v u="$1" '$1 == u { print $2 }' "$R/etc/passwd")
	[ "$h" = x ] && h=$(awk -F: -v u="$1" '$1 == u { print $2 }' "$R/etc/shadow")
	printf '%s\n' "$h"
}
t_begin root_changes_unix_password
if need_daemon; then
	old=$(pw_entry root)
	pt_ns $'Root-new-pw-42\nRoot-new-pw-42' root chauthtok
	new=$(pw_entry root)
	check=$(perl -e 'print crypt($ARGV[0], $ARGV[1]) eq $ARGV[1] ? "yes" : "no"' Root-new-pw-42 "$new")
	if [ "$PT_RC" -eq 0 ] && [ "$new" != "$old" ] && [ "$check" = yes ]; then
		t_ok
	else
		fail "root's passwd through common-password, wanted pam_unix to store Root-new-pw-42 in the copy of /etc" \
		    "hash before: $old" "hash after: $new (matches: $check)" "$(pt_lines)"
	fi
fi

t_begin not_in_store_cannot_change_through_unix
if need_daemon; then
	# dave gets an entry in the copy of /etc, so that pam_unix would change
	# it if the stack let him through; every prompt gets the new password.
	# (pamtester runs as root: run as passwd(1) runs for dave, set-uid
	# with real uid 2006, the preloaded wrappers would not load.)
	echo "dave:x:2006:2006::/nonexistent:/bin/sh" >>"$R/etc/passwd"
	echo "dave:$(unix_hash Dave-unix-pw1):19000:0:99999:7:::" >>"$R/etc/shadow"
	sums=$(cat "$R/etc/passwd" "$R/etc/shadow" | sha256sum)
	pt_ns $'Dave-new-pw-77\nDave-new-pw-77\nDave-new-pw-77\nDave-new-pw-77' dave chauthtok
	if [ "$PT_RC" -ne 0 ] && [ "$sums" = "$(cat "$R/etc/passwd" "$R/etc/shadow" | sha256sum)" ]; then
		t_ok
	else
		fail "dave (not in the store, not root) must not reach pam_unix in the password phase" \
		    "copy of /etc/passwd: $(grep '^dave:' "$R/etc/passwd")" \
		    "copy of /etc/shadow: $(grep '^dave:' "$R/etc/shadow")" "$(pt_lines)"
	fi
fi
t_daemon_stop

# ====================================================================
# 3. taking the profile out again
t_begin disable_restores_common_files
pau_restores "$T/disabled" --disable pwadmin

t_begin remove_restores_common_files
pau --enable pwadmin
rc1=$?
snapshot "$T/enabled2"
d1=$(same_files "$T/enabled" "$T/enabled2")
o1=$(cat "$T/pau.out")
pau --remove pwadmin
rc2=$?
snapshot "$T/removed"
d2=$(same_files "$T/before" "$T/removed")
if [ $rc1 -eq 0 ] && [ -z "$d1" ] && [ -z "$o1" ] && [ $rc2 -eq 0 ] && [ -z "$d2" ] &&
    [ ! -s "$T/pau.out" ] && ! grep -qx pwadmin "$R/var-lib-pam/seen"; then
	t_ok
else
	fail "enable again (exit $rc1, said: $o1), differences from the first enable:" "$d1" \
	    "--remove pwadmin (exit $rc2, said: $(cat "$T/pau.out")), differences from before:" "$d2" \
	    "seen: $(tr '\n' ' ' <"$R/var-lib-pam/seen")"
fi

t_begin machine_pam_setup_untouched
machine_sums >"$T/machine.after"
if cmp -s "$T/machine.before" "$T/machine.after"; then
	t_ok
else
	fail "the machine's own files changed:" "$(diff "$T/machine.before" "$T/machine.after" | head -n 20)"
fi

t_done
