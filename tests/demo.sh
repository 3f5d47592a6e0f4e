#!/bin/bash
# make demo: the scenario of a bank's password administration, told step
# by step with real PAM calls (pamtester under pam_wrapper, so nothing in
# /etc/pam.d is touched) against a pwadmind running in a private temp dir.
#
# Usage: tests/demo.sh BUILD_DIR [--keep]
#   --keep   leave the daemon and the temp dir running, to try by hand
set -euo pipefail

B=$(cd "${1:?usage: tests/demo.sh BUILD_DIR [--keep]}" && pwd)
KEEP=${2:-}

# The story speaks the locale's language (LANG=ja_JP.UTF-8 make demo, or
# make demo-ja): its sentences from its own catalogue (po/demo-LANG.po,
# built into $B/locale), the product's words from the product's.
# pamtester, like sshd, sets no locale: in Japanese the demo's PAM stacks
# say lang=ja, as a Japanese site's sshd stack does (pam_pwadmin(8)).
export TEXTDOMAIN=pwadmin-demo TEXTDOMAINDIR=$B/locale
# shellcheck source=/dev/null
. gettext.sh
LANGARG=""
case "${LC_ALL:-${LC_MESSAGES:-${LANG:-}}}" in
ja*) LANGARG=" lang=ja" ;;
esac

# Run as root, or inside a user namespace where we are root: init is a
# root-only operation (the host's recovery path).
if [ "$(id -u)" -ne 0 ]; then
	if [ -z "${PWDEMO_USERNS:-}" ] && command -v unshare >/dev/null &&
	    unshare -r true 2>/dev/null; then
		echo "(not root: running the demo inside a user namespace)"
		PWDEMO_USERNS=1 exec unshare -r "$0" "$@"
	fi
	echo "make demo needs root (or unprivileged user namespaces)." >&2
	exit 1
fi
REAL_ROOT=1
[ -n "${PWDEMO_USERNS:-}" ] && REAL_ROOT=0

if [ -t 1 ]; then
	B1=$(printf '\033[1m') DIM=$(printf '\033[2m') OK=$(printf '\033[32m')
	BAD=$(printf '\033[31m') R=$(printf '\033[0m')
else
	B1="" DIM="" OK="" BAD="" R=""
fi

D=$(mktemp -d /tmp/pwdemo.XXXXXX)
chmod 755 "$D"
DAEMON_PID=""
cleanup() {
	if [ "$KEEP" != "--keep" ]; then
		[ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null &&
		    wait "$DAEMON_PID" 2>/dev/null
		for p in ${FLEET_PIDS:-}; do kill "$p" 2>/dev/null; done
		[ -d "$D/pg" ] && "$(dirname "$0")/pg.sh" stop "$D/pg"
		rm -rf "$D"
	fi
}
trap cleanup EXIT

# Fake users for NSS (nss_wrapper), never the machine's /etc/passwd.
cat >"$D/passwd" <<EOF
root:x:0:0:root:/root:/bin/sh
boss:x:2001:2001:The master:/tmp:/bin/sh
alice:x:2002:2002:A user:/tmp:/bin/sh
carol:x:2003:2003:An admin:/tmp:/bin/sh
dave:x:2004:2004:A Unix user from before:/tmp:/bin/sh
EOF
printf 'root:x:0:\nboss:x:2001:\nalice:x:2002:\ncarol:x:2003:\ndave:x:2004:\n' >"$D/group"
# dave's Unix password (Dave-unix-pw1) as /etc/shadow would hold it: a
# yescrypt hash, made by the system's crypt(3) through perl
printf 'dave:%s:19000:0:99999:7:::\n' \
    "$(perl -e 'print crypt($ARGV[0], q($y$j9T$pwadmindemo.salt0123$))' Dave-unix-pw1)" \
    >"$D/shadow"
chmod 600 "$D/shadow"
mkdir "$D/svc" "$D/state"
chmod 700 "$D/state"
cat >"$D/svc/pwdemo" <<EOF
auth     required  $B/pam_pwadmin.so socket=$D/sock$LANGARG
account  required  $B/pam_pwadmin.so socket=$D/sock$LANGARG
password required  $B/pam_pwadmin.so socket=$D/sock$LANGARG
EOF
cat >"$D/svc/pwdemo-otp" <<EOF
auth     required  $B/pam_pwadmin.so socket=$D/sock otp$LANGARG
account  required  $B/pam_pwadmin.so socket=$D/sock$LANGARG
EOF
printf 'auth required pam_deny.so\naccount required pam_deny.so\n' >"$D/svc/other"
cat >"$D/pwadmind.conf" <<EOF
# the product defaults, but in a private directory
socket = $D/sock
state_dir = $D/state
user = root
EOF
chmod 644 "$D/pwadmind.conf"

export NSS_WRAPPER_PASSWD="$D/passwd" NSS_WRAPPER_GROUP="$D/group"
NSS="libnss_wrapper.so"
PAMENV=(env "LD_PRELOAD=libpam_wrapper.so $NSS" PAM_WRAPPER=1
	"PAM_WRAPPER_SERVICE_DIR=$D/svc")

say() { printf '\n%s%s%s\n' "$B1" "$*" "$R"; }
note() { # one line each, indented
	local l
	while IFS= read -r l; do printf '  %s%s%s\n' "$DIM" "$l" "$R"; done <<<"$*"
}
# A word of the product's own catalogue (the module's and the client's).
product_word() { TEXTDOMAIN=pwadmin gettext "$1"; }
# The module's prompt in this language, which pamtester prints in front
# of its own lines.
PROMPT=$(product_word "Password: ")
# pamtester prints prompts and answers on one line: one line per prompt.
split_prompts() {
	sed "s/\(password\|パスワード\|してください\): /\1:\n/g" | sed '/^$/d; s/^/  /'
}
run_shown() { printf '  %s$ %s%s\n' "$DIM" "$*" "$R"; }

# pwadmin as root (recovery) or as another user; stdin carries secrets.
client() { LD_PRELOAD=$NSS "$B/pwadmin" --socket "$D/sock" "$@"; }
client_as() { # UID ARGS...
	local u=$1
	shift
	if [ "$REAL_ROOT" = 1 ]; then
		LD_PRELOAD=$NSS setpriv --reuid="$u" --regid="$u" --clear-groups \
		    "$B/pwadmin" --socket "$D/sock" "$@"
	else
		note "$(eval_gettext "(in a user namespace we cannot switch to uid \$u: root acts instead, as recovery)")"
		client "$@"
	fi
}

# One login through real PAM calls: pam_authenticate then pam_acct_mgmt.
login() { # USER PASSWORD
	local out rc
	run_shown "pamtester pwdemo $1 authenticate acct_mgmt"
	set +e
	out=$(printf '%s\n' "$2" | "${PAMENV[@]}" stdbuf -oL pamtester pwdemo "$1" \
	    authenticate acct_mgmt 2>&1 | grep -v '^PWRAP_' | sed "s/^$PROMPT//")
	rc=$?
	set -e
	while IFS= read -r line; do
		case "$line" in
		*successfully* | *done*) printf '  %s%s%s\n' "$OK" "$line" "$R" ;;
		"") ;;
		*) printf '  %s%s%s\n' "$BAD" "$line" "$R" ;;
		esac
	done <<<"$out"
	return $rc
}

# USER: one line of the account's state, from the daemon: the values of
# `pwadmin status' (lines in a fixed order, words in the locale's language).
state() {
	local v must
	mapfile -t v < <(client status "$1" | sed 's/^[^:]*: //')
	# TRANSLATORS: name, login state, consecutive failures, confirmation
	# state, service state
	# shellcheck disable=SC2059
	printf "  $(gettext "state of %s: login password %s (%s consecutive failures), confirmation password %s, service %s")" \
	    "${v[0]}" "${v[2]}" "${v[9]}" "${v[3]}" "${v[4]}"
	must=${v[6]}
	if [ "$must" != "$(product_word none)" ]; then
		# shellcheck disable=SC2059
		printf "$(gettext ", must change: %s")" "$must"
	fi
	printf '\n'
}

hashes() { client stats | awk '$1 == "hashes_evaluated" { print $2 }'; }

say "$(gettext "pwadmin demo: a bank's password rules for Linux logins")"
note "$(eval_gettext "private directory: \$D
daemon: \$B/pwadmind (Argon2id at libsodium's interactive cost)")"
LD_PRELOAD=$NSS "$B/pwadmind" -f -c "$D/pwadmind.conf" 2>"$D/daemon.log" &
DAEMON_PID=$!
for _ in $(seq 100); do [ -S "$D/sock" ] && break; sleep 0.05; done
[ -S "$D/sock" ] || { cat "$D/daemon.log"; exit 1; }

say "$(gettext "1. Root creates the first master, boss, on the empty store")"
run_shown "printf 'LOGIN\\nCONFIRM\\n' | pwadmin --stdin init --master boss"
printf 'Master-login-pw1\nMaster-confirm-pw2\n' | client --stdin init --master boss | sed 's/^/  /'
state boss

say "$(gettext "2. boss adds alice; boss's own confirmation password authorises it")"
run_shown "printf 'ALICE-LOGIN\\nALICE-CONFIRM\\nBOSS-CONFIRM\\n' | pwadmin --stdin useradd alice --role user   (as boss)"
printf 'Wonder-login-pw1\nWonder-confirm-pw2\nMaster-confirm-pw2\n' |
    client_as 2001 --stdin useradd alice --role user | sed 's/^/  /'
state alice

say "$(gettext "3. alice logs in with the password boss issued")"
login alice 'Wonder-login-pw1' || true
note "$(gettext "The password is right; the account phase says it must be changed,
because passwords an administrator issues are must-change.
boss logs in too (init made him set his own passwords):")"
login boss 'Master-login-pw1' || true

say "$(gettext "4. Someone tries to guess alice's password, five times")"
for i in 1 2 3 4 5; do
	login alice "guess-number-$i" || true
	state alice
done

say "$(gettext "5. Now even the right password is refused, and costs no hash")"
before=$(hashes)
login alice 'Wonder-login-pw1' || true
after=$(hashes)
note "$(eval_gettext "password hashes evaluated by the daemon: \$before before, \$after after
(a locked factor is refused without hashing; locks never expire)")"

say "$(gettext "6. boss unlocks alice (his confirmation password again)")"
run_shown "printf 'BOSS-CONFIRM\\n' | pwadmin --stdin unlock alice   (as boss)"
printf 'Master-confirm-pw2\n' | client_as 2001 --stdin unlock alice | sed 's/^/  /'
state alice

say "$(gettext "7. alice logs in again")"
login alice 'Wonder-login-pw1' || true

say "$(gettext "8. boss adds carol as an admin")"
printf 'Admin-login-pw11\nAdmin-confirm-pw22\nMaster-confirm-pw2\n' |
    client_as 2001 --stdin useradd carol --role admin | sed 's/^/  /'

say "$(gettext "9. An admin may not act on a master")"
run_shown "printf 'CAROL-CONFIRM\\n' | pwadmin --stdin suspend boss   (as carol)"
printf 'Admin-confirm-pw22\n' | client_as 2003 --stdin suspend boss 2>&1 |
    sed 's/^/  /' || true
state boss

say "$(gettext "10. carol resets alice's login password")"
note "$(gettext "The summary comes before carol's confirmation password; changed items
are bold on orange on a terminal, marked '*' here (output is piped).")"
run_shown "printf 'NEW-LOGIN\\nCAROL-CONFIRM\\n' | pwadmin --stdin reset alice --login   (as carol)"
printf 'Issued-login-pw33\nAdmin-confirm-pw22\n' |
    client_as 2003 --stdin reset alice --login | sed 's/^/  /'
state alice
login alice 'Issued-login-pw33' || true
note "$(gettext "The issued password works, and must be changed at this login.")"

say "$(gettext "10b. alice changes them, as login(1) and sshd would (pam_chauthtok)")"
note "$(gettext "Both are marked (useradd, then this reset): for each, the issued
password, the new one, and the new one again.")"
run_shown "pamtester pwdemo alice 'chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK)'"
printf '%s\n' Issued-login-pw33 Own-login-pw44 Own-login-pw44 \
    Wonder-confirm-pw2 Own-confirm-pw55 Own-confirm-pw55 |
    "${PAMENV[@]}" pamtester pwdemo alice \
    'chauthtok(PAM_CHANGE_EXPIRED_AUTHTOK)' 2>&1 | grep -v '^PWRAP_' |
    split_prompts
state alice
login alice 'Own-login-pw44' || true
note "$(gettext "An old password cannot come back (history = 5):")"
run_shown "pamtester pwdemo alice chauthtok"
printf '%s\n' Own-login-pw44 Issued-login-pw33 Issued-login-pw33 |
    "${PAMENV[@]}" pamtester pwdemo alice chauthtok 2>&1 |
    grep -v '^PWRAP_' | split_prompts || true

say "$(gettext "10c. alice enrols a one-time password token (TOTP)")"
if [ "$REAL_ROOT" = 1 ]; then
	note "$(gettext "pwadmin otp enroll (as alice): her confirmation password, then the
otpauth:// URI (a QR code on a terminal), then a code from the app;
oathtool plays the phone here.")"
	coproc ENROL { LD_PRELOAD=$NSS setpriv --reuid=2002 --regid=2002 \
	    --clear-groups "$B/pwadmin" --socket "$D/sock" --stdin otp enroll 2>&1; }
	exec {eo}<&"${ENROL[0]}" {ei}>&"${ENROL[1]}"
	printf 'Own-confirm-pw55\n' >&"$ei"
	IFS= read -r uri <&"$eo"
	secret=${uri#*secret=}
	secret=${secret%%&*}
	shown="${uri%%secret=*}secret=($(gettext hidden))&..."
	note "$(eval_gettext "URI: \$shown")"
	code=$(oathtool --totp -b "$secret")
	printf '%s\n' "$code" >&"$ei"
	exec {ei}>&-
	sed 's/^/  /' <&"$eo"
	exec {eo}<&-
	[ -z "${ENROL_PID:-}" ] || wait "$ENROL_PID" 2>/dev/null || true
	state alice
	note "$(gettext "A login through a stack with the module argument otp asks for a code
after the password; each code works once, so wait for a fresh step:")"
	sleep $((31 - $(date +%s) % 30))
	code=$(oathtool --totp -b "$secret")
	run_shown "pamtester pwdemo-otp alice authenticate   (password, then a code)"
	printf '%s\n%s\n' Own-login-pw44 "$code" | "${PAMENV[@]}" pamtester \
	    pwdemo-otp alice authenticate 2>&1 | grep -v '^PWRAP_' |
	    split_prompts || true
	note "$(gettext "The same code again (a replay) is refused:")"
	printf '%s\n%s\n' Own-login-pw44 "$code" | "${PAMENV[@]}" pamtester \
	    pwdemo-otp alice authenticate 2>&1 | grep -v '^PWRAP_' |
	    split_prompts || true
	client stats | awk '/^otp_/ { printf "  %s %s\n", $1, $2 }'
else
	note "$(gettext "(in a user namespace we cannot act as alice: enrolment is only for
the account itself, so this step is skipped)")"
fi

say "$(gettext "11. carol suspends alice: her login is refused without a hash; then resumes her")"
printf 'Admin-confirm-pw22\n' | client_as 2003 --stdin suspend alice | sed 's/^/  /'
login alice 'Own-login-pw44' || true
printf 'Admin-confirm-pw22\n' | client_as 2003 --stdin resume alice | sed 's/^/  /'

say "$(gettext "12. Root may not delete the last master, unless it says --force")"
run_shown "pwadmin userdel boss"
client userdel boss 2>&1 | sed 's/^/  /' || true
state boss

say "$(gettext "13. The audit log: every administrative act, chained by BLAKE2b")"
run_shown "pwadmin audit"
client audit | sed 's/^/  /'
run_shown "pwadmin audit --verify"
client audit --verify | sed 's/^/  /'

say "$(gettext "14. A name that is not in the store costs what a wrong password costs")"
login mallory 'whatever-123' || true
note "$(gettext "The stack gets PAM_USER_UNKNOWN (sshd and login answer it exactly like a
wrong password); the daemon ran a dummy Argon2id verification for it.")"

say "$(gettext "14b. dave has a Unix password already: root imports his account, and he keeps it")"
note "$(gettext "pwadmin import reads dave's hash from the shadow database (here a private
copy, served by nss_wrapper); root gives him a confirmation password,
which he must change at his first login.")"
run_shown "pwadmin import dave"
printf 'Fresh-confirm-pw2\n' | NSS_WRAPPER_SHADOW="$D/shadow" client --stdin \
    import dave | sed 's/^/  /'
client status dave --json | grep -o '"login_imported": *[a-z]*' | sed 's/^/  /'
login dave 'Dave-unix-pw1' || true
note "$(gettext "His Unix password worked, and the daemon replaced its hash with Argon2id:")"
client status dave --json | grep -o '"login_imported": *[a-z]*' | sed 's/^/  /'

say "$(gettext "15. What the daemon counted")"
client stats | sed 's/^/  /'

say "$(gettext "16. Many hosts, one account state: two daemons on one PostgreSQL database")"
PGSH=$(cd "$(dirname "$0")" && pwd)/pg.sh
FLEET_PIDS=""
if [ "$REAL_ROOT" != 1 ] || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
	note "$(gettext "(skipped: it needs root and PostgreSQL's server, which tests/deps.sh installs)")"
else
	"$PGSH" start "$D/pg" && "$PGSH" db "$D/pg" pwadmin
	note "$(eval_gettext "a private PostgreSQL cluster in \$D/pg; its schema made by its owner role:")"
	printf 'store = postgresql\npostgresql = host=%s dbname=pwadmin user=pwadmin_owner\n' \
	    "$D/pg" >"$D/owner.conf"
	chmod 600 "$D/owner.conf"
	run_shown "pwadmind -c owner.conf --init-db"
	"$B/pwadmind" -c "$D/owner.conf" --init-db | sed 's/^/  /'
	for h in web01 web02; do
		mkdir -m 700 "$D/$h"
		cat >"$D/$h.conf" <<EOF
store = postgresql
postgresql = host=$D/pg dbname=pwadmin user=pwadmind
host_name = $h
socket = $D/$h.sock
state_dir = $D/$h
user = root
EOF
		chmod 644 "$D/$h.conf"
		for k in auth account; do
			echo "$k required $B/pam_pwadmin.so socket=$D/$h.sock$LANGARG"
		done >"$D/svc/pwdemo-$h"
		# every host holds the key that seals the tokens: web01's
		[ "$h" = web02 ] && cp "$D/web01/secret.key" "$D/web02/secret.key"
		LD_PRELOAD=$NSS "$B/pwadmind" -f -c "$D/$h.conf" 2>>"$D/fleet.log" &
		FLEET_PIDS="$FLEET_PIDS $!"
		for _ in $(seq 200); do # serving once it answers
			LD_PRELOAD=$NSS "$B/pwadmin" --socket "$D/$h.sock" stats \
			    >/dev/null 2>&1 && break
			sleep 0.05
		done
	done
	on() { local h=$1; shift; LD_PRELOAD=$NSS "$B/pwadmin" --socket "$D/$h.sock" "$@"; }
	fleet_login() { # HOST USER PASSWORD
		local out
		run_shown "pamtester pwdemo-$1 $2 authenticate acct_mgmt"
		out=$(printf '%s\n' "$3" | "${PAMENV[@]}" pamtester "pwdemo-$1" "$2" \
		    authenticate acct_mgmt 2>&1 | grep -v '^PWRAP_' | sed "s/^$PROMPT//") || true
		sed 's/^/  /' <<<"$out"
	}
	printf 'Master-login-pw1\nMaster-confirm-pw2\n' |
	    on web01 --stdin init --master boss | sed 's/^/  /'
	printf 'Wonder-login-pw1\nWonder-confirm-pw2\n' |
	    on web01 --stdin useradd alice --role user | sed 's/^/  /'
	note "$(gettext "three wrong guesses on web01, then two on web02: one counter for both")"
	for i in 1 2 3; do fleet_login web01 alice "guess-$i-wrong" >/dev/null; done
	fleet_login web02 alice "guess-4-wrong"
	fleet_login web02 alice "guess-5-wrong"
	note "$(gettext "web01 sees the lock web02 made:")"
	on web01 status alice | sed -n '3p; 10p' | sed 's/^/  /'
	note "$(gettext "root unlocks alice on web02; she logs in on web01")"
	run_shown "pwadmin unlock alice   (on web02)"
	on web02 unlock alice | sed 's/^/  /'
	fleet_login web01 alice Wonder-login-pw1
	note "$(gettext "one audit chain, each entry naming the host that wrote it:")"
	on web02 audit | tail -n 4 | sed 's/^/  /'
	on web01 audit --verify | sed 's/^/  /'
	for p in $FLEET_PIDS; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true; done
	FLEET_PIDS=""
	"$PGSH" stop "$D/pg"
fi

say "$(gettext "Done.")"
if [ "$KEEP" = "--keep" ]; then
	eval_gettext "The daemon is still running (pid \$DAEMON_PID) so you can try it by hand:"
	cat <<EOF

  export NSS_WRAPPER_PASSWD=$D/passwd NSS_WRAPPER_GROUP=$D/group
  export LD_PRELOAD="libpam_wrapper.so libnss_wrapper.so" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=$D/svc
  pamtester pwdemo alice authenticate acct_mgmt      # password: Wonder-login-pw1
  $B/pwadmin --socket $D/sock list
  $B/pwadmin --socket $D/sock status alice --json

EOF
	eval_gettext "Stop it with: kill \$DAEMON_PID; rm -rf \$D"
	echo
else
	gettext "To try it by hand, run the demo with the daemon left running:

  tests/demo.sh build --keep

It prints the exports and commands (pamtester, pwadmin list/status) for
the private directory it made.  The daemon's log of this run was:"
	echo
	sed 's/^/  /' "$D/daemon.log"
fi
