# shellcheck shell=bash
# End to end through a real OpenSSH server: a private sshd on a loopback
# port runs PAM (under pam_wrapper) with conf/pam.d/sshd, the shipped
# example, changed only in the module path and the private daemon's socket;
# the real ssh client, driven by expect (tests/system/sshd_login.exp), logs
# in with keyboard-interactive.  Nothing in /etc/pam.d is read or touched.
# Usage, from the project root:  bash tests/system/test_sshd.sh BUILD_DIR
set -u
B=${1:?usage: bash tests/system/test_sshd.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/system/lib.sh
. "$HERE/lib.sh"

TESTS="sshd_correct_password_runs_the_command
sshd_wrong_password_refused_and_counted
sshd_locked_password_refused_with_its_message
sshd_forced_change_inside_the_login
sshd_japanese_login_with_lang_ja
sshd_daemon_down_refuses_non_root"

# Every test reports the same REASON (skip or fail), then the totals.
all_tests() { # skip|fail REASON...
	local how=$1 n
	shift
	for n in $TESTS; do
		t_begin "$n"
		if [ "$how" = skip ]; then t_skip "$1"; else t_fail "$@"; fi
	done
	t_done
}

if [ "$(id -u)" -ne 0 ]; then
	all_tests skip "needs root: sshd must setuid to the logging-in user and read its host key"
fi
# root of a user namespace (unshare -r) cannot become the fake users
setpriv --reuid=2002 --regid=2002 --clear-groups true 2>/dev/null ||
    all_tests skip "needs real root: cannot switch to uid 2002 here (a user namespace?), as sshd must"
for p in /usr/sbin/sshd ssh ssh-keygen expect; do
	command -v "$p" >/dev/null 2>&1 ||
	    all_tests skip "$p is missing (apt-get install openssh-server openssh-client expect)"
done
for l in libpam_wrapper.so libnss_wrapper.so; do
	ldconfig -p | grep -q "$l" ||
	    all_tests skip "$l is missing (apt-get install libpam-wrapper libnss-wrapper)"
done
[ -f "$B/pam_pwadmin.so" ] && [ -x "$B/pwadmind" ] && [ -x "$B/pwadmin" ] ||
    all_tests fail "$B/pam_pwadmin.so, pwadmind or pwadmin not built (make all)"
B=$(cd "$B" && pwd) # sshd's PAM needs an absolute module path

t_tmpdir
SOCK=${T_SOCK:-$T/sock} # the private daemon's socket (t_conf, t_client)
SSHD_PID="" MADE_RUN_SSHD="" SSHD_LINE0=0
t_cleanup_hook() {
	if [ -n "$SSHD_PID" ]; then
		kill "$SSHD_PID" 2>/dev/null
		wait "$SSHD_PID" 2>/dev/null
	fi
	t_daemon_stop
	# only the directory this script made, and only when left empty
	[ -n "$MADE_RUN_SSHD" ] && rmdir /run/sshd 2>/dev/null
	pwrap_leftovers
	return 0
}
# pam_wrapper (1.1.4) copies the service files into a /tmp/pam.X of its own
# in every process that loads it, and removes it in a destructor; sshd's
# per-connection processes end with _exit(), so each login leaves one
# behind (a later pam_wrapper process removes it only if it happens to try
# that letter).  Remove those that hold our own service file, once the
# process named in their pid file is gone.
pwrap_leftovers() {
	local d p
	for d in /tmp/pam.?; do
		[ -f "$d/sshd" ] && grep -qF "socket=$SOCK" "$d/sshd" ||
		    continue
		p=$(cat "$d/pid" 2>/dev/null)
		[ -n "$p" ] && kill -0 "$p" 2>/dev/null && continue
		rm -rf "$d"
	done
}

# The marker the remote command prints: the session's own name and uid,
# so a success is proven by what ran as that user, not by an exit code.
CMD='echo "LOGIN-OK-$USER-$(id -u)"'
MAX=3 # max_login_failures: fewer wrong attempts (2 s each) to lock
# login_max_age_days = 10 and warn_days = 14: every login password is
# within its warning period, so each successful login carries a
# PAM_TEXT_INFO from the account phase.
WARNMSG="Your login password expires in 10 days."

# login OUT USER [ANSWER...]: one ssh login; OUT gets the transcript
# without carriage returns.  Not preloaded with anything: the real client,
# in the locale LOGIN_LANG (C: ssh shows other bytes as escapes).
login() {
	local out=$1
	shift
	SSHD_LINE0=$(wc -l <"$T/sshd.log")
	env -u LD_PRELOAD -u LC_ALL LANG="${LOGIN_LANG:-C}" HOME="$T/client" \
	    expect "$HERE/sshd_login.exp" \
	    "$PORT" "$1" "$CMD" "${@:2}" 2>&1 | tr -d '\r' >"$out"
}
# The prompts of a transcript, in order, without ssh's "(user@host) ",
# joined by "|".
prompts() {
	sed -n 's/^([^)]*) //; /: $/p' "$1" | tr '\n' '|'
}
# A failure: WHY, then the transcript and what sshd logged during that
# login, each line 4-space indented by t_fail.
show() { # OUT WHY...
	local out=$1 lines=() l
	shift
	while IFS= read -r l; do lines+=("transcript: $l"); done <"$out"
	while IFS= read -r l; do lines+=("sshd: $l"); done \
	    < <(sshd_new | head -n 20)
	t_fail "$@" "${lines[@]}"
}
sshd_new() { tail -n +$((SSHD_LINE0 + 1)) "$T/sshd.log"; } # since login()
field() { # USER FIELD: one field of `pwadmin status USER'
	t_client status "$1" | sed -n "s/^$2: //p"
}
stat_of() { # COUNTER: one counter of `pwadmin stats'
	t_client stats | awk -v k="$1" '$1 == k { print $2 }'
}

# ---- the private daemon and the store ----
setup_error=""
{
	# sshd's privilege-separation user (Debian's sshd is built with
	# "sshd"): nss_wrapper gives the preauth child its uid.
	t_users "sshd:x:2099:65534:sshd privsep:/run/sshd:/usr/sbin/nologin" &&
	    t_conf "max_login_failures = $MAX" "login_max_age_days = 10" \
	    "warn_days = 14" && t_daemon && t_store
} >"$T/setup.log" 2>&1 ||
    setup_error="private daemon or store: $(tail -n 3 "$T/setup.log" | paste -sd '|')"

# ---- the PAM service: the shipped example, two things changed ----
mkdir -p "$T/svc" "$T/client"
if [ -z "$setup_error" ]; then
	sed "/^[^#]/s|pam_pwadmin\.so|$B/pam_pwadmin.so socket=$SOCK|" \
	    "$ROOT/conf/pam.d/sshd" >"$T/svc/sshd"
	# an unknown service is refused, never PAM's built-in default
	printf 'auth required pam_deny.so\naccount required pam_deny.so\npassword required pam_deny.so\nsession required pam_deny.so\n' \
	    >"$T/svc/other"
	n=$(grep -c "^[^#].*$B/pam_pwadmin.so socket=$SOCK" "$T/svc/sshd")
	[ "$n" -eq 3 ] || setup_error="conf/pam.d/sshd: expected 3 pam_pwadmin.so lines (auth, account, password), found $n"
fi

# ---- the private sshd ----
# sshd chroots its unprivileged preauth child into /run/sshd, a path
# compiled into Debian's sshd; it must exist, owned by root, not writable
# by others.  Made here if missing (removed at exit if still empty).
if [ -z "$setup_error" ] && [ ! -d /run/sshd ]; then
	mkdir -m 0755 /run/sshd && MADE_RUN_SSHD=1 ||
	    setup_error="cannot create /run/sshd"
fi
if [ -z "$setup_error" ]; then
	ssh-keygen -q -t ed25519 -N '' -C pwadmin-test -f "$T/host_ed25519" ||
	    setup_error="ssh-keygen failed"
fi
# start_sshd PORT: 0 when it listens, 1 when it exited (port taken, ...).
start_sshd() {
	local i
	cat >"$T/sshd_config" <<-EOF
		# private test sshd: loopback only, keyboard-interactive through PAM
		ListenAddress 127.0.0.1
		Port $1
		HostKey $T/host_ed25519
		PidFile $T/sshd.pid
		UsePAM yes
		KbdInteractiveAuthentication yes
		PasswordAuthentication no
		PubkeyAuthentication no
		HostbasedAuthentication no
		AuthenticationMethods keyboard-interactive
		AuthorizedKeysFile none
		PermitRootLogin no
		UseDNS no
		StrictModes no
		PrintMotd no
		PrintLastLog no
		X11Forwarding no
		AllowTcpForwarding no
		AllowAgentForwarding no
		PermitTunnel no
		Subsystem sftp internal-sftp
		LoginGraceTime 30
		LogLevel VERBOSE
	EOF
	: >"$T/sshd.log"
	# pam_wrapper makes libpam read $T/svc instead of /etc/pam.d;
	# nss_wrapper (NSS_WRAPPER_* from t_users) gives the fake users.
	# sshd re-executes itself per connection with this environment.
	env LD_PRELOAD="libpam_wrapper.so libnss_wrapper.so" PAM_WRAPPER=1 \
	    PAM_WRAPPER_SERVICE_DIR="$T/svc" \
	    /usr/sbin/sshd -D -e -f "$T/sshd_config" 2>>"$T/sshd.log" &
	SSHD_PID=$!
	for i in $(seq 100); do
		grep -q "^Server listening on 127.0.0.1 port $1\." "$T/sshd.log" &&
		    return 0
		kill -0 "$SSHD_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill "$SSHD_PID" 2>/dev/null
	wait "$SSHD_PID" 2>/dev/null
	SSHD_PID=""
	return 1
}
if [ -z "$setup_error" ]; then
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		PORT=$((20000 + RANDOM % 40000))
		start_sshd "$PORT" && break
	done
	[ -n "$SSHD_PID" ] ||
	    setup_error="sshd did not start: $(tail -n 3 "$T/sshd.log" | paste -sd '|')"
fi
[ -z "$setup_error" ] || all_tests fail "setup: $setup_error"

# ---- the tests ----
O=$T/out

t_begin sshd_correct_password_runs_the_command
auth0=$(stat_of requests_auth) acct0=$(stat_of requests_account)
login "$O" alice Good-login-pw1
if ! grep -qx 'LOGIN-OK-alice-2002' "$O" || ! grep -qx 'SSH-EXIT 0' "$O"; then
	show "$O" "no marker LOGIN-OK-alice-2002 or ssh failed"
elif [ "$(prompts "$O")" != "Password: |" ]; then
	show "$O" "prompts: '$(prompts "$O")', expected 'Password: |'"
elif ! grep -qxF "$WARNMSG" "$O"; then
	show "$O" "the ssh user was not shown the account phase's info: $WARNMSG"
elif [ "$(stat_of requests_auth)" != $((auth0 + 1)) ] ||
    [ "$(stat_of requests_account)" != "$acct0" ]; then
	# the module in $T/svc/sshd answered, not /etc/pam.d/sshd; the
	# account phase used the verdict that came with the auth reply
	show "$O" "requests: auth $auth0 -> $(stat_of requests_auth) (want +1), account $acct0 -> $(stat_of requests_account) (want +0)"
elif ! grep -q 'auth ok user=alice factor=login service=sshd ' "$T/daemon.log"; then
	show "$O" "the daemon logged no 'auth ok user=alice ... service=sshd'"
elif [ "$(field alice login_failures)" != 0 ] ||
    [ "$(field alice login)" != available ]; then
	show "$O" "status afterwards: login $(field alice login), login_failures $(field alice login_failures)"
else
	t_ok
fi

t_begin sshd_wrong_password_refused_and_counted
login "$O" alice Wrong-login-pw9
if grep -q 'LOGIN-OK' "$O" || ! grep -qx 'SSH-EXIT 255' "$O" ||
    ! grep -q 'Permission denied' "$O"; then
	show "$O" "a wrong password was not refused"
elif grep -qi 'locked' "$O"; then
	show "$O" "a wrong password (not locking) showed a lock message"
elif [ "$(field alice login_failures)" != 1 ]; then
	show "$O" "login_failures: $(field alice login_failures), expected 1"
else
	t_ok
fi

t_begin sshd_locked_password_refused_with_its_message
LOCKMSG="Your login password is locked after too many failed attempts; a master or admin can unlock it."
why=""
for _ in $(seq "$MAX"); do
	[ "$(field alice login)" = locked ] && break
	login "$O" alice Wrong-login-pw9
	grep -q 'LOGIN-OK' "$O" && why="a wrong password ran the command" && break
done
if [ -n "$why" ]; then
	show "$O" "$why"
elif [ "$(field alice login)" != locked ] ||
    [ "$(field alice login_failures)" != "$MAX" ]; then
	show "$O" "not locked after $MAX wrong passwords: login $(field alice login), login_failures $(field alice login_failures)"
elif ! grep -qxF "$LOCKMSG" "$O"; then
	show "$O" "the wrong password that locked it did not show: $LOCKMSG"
else
	hashes0=$(stat_of hashes_evaluated) unhashed0=$(stat_of refused_locked_unhashed)
	login "$O" alice Good-login-pw1
	if grep -q 'LOGIN-OK' "$O" || ! grep -qx 'SSH-EXIT 255' "$O"; then
		show "$O" "the right password on a locked account was not refused"
	elif ! grep -qxF "$LOCKMSG" "$O"; then
		show "$O" "the ssh user was not shown: $LOCKMSG"
	elif [ "$(stat_of hashes_evaluated)" != "$hashes0" ] ||
	    [ "$(stat_of refused_locked_unhashed)" != $((unhashed0 + 1)) ]; then
		show "$O" "a locked account was hashed (hashes_evaluated $hashes0 -> $(stat_of hashes_evaluated), refused_locked_unhashed $unhashed0 -> $(stat_of refused_locked_unhashed))"
	else
		t_ok
	fi
fi

t_begin sshd_forced_change_inside_the_login
# root unlocks (a reset never unlocks), then resets: --stdin reads only
# the new login password.
expect_prompts="Password: |Current login password: |New login password: |Retype new login password: |"
if ! t_client unlock alice >"$T/admin.log" 2>&1 ||
    ! printf 'Issued-login-8y\n' | t_client --stdin reset alice --login \
    >>"$T/admin.log" 2>&1 || [ "$(field alice must_change)" != login ]; then
	mapfile -t lines < <(tail -n 3 "$T/admin.log")
	t_fail "unlock and reset by root failed; must_change: $(field alice must_change)" \
	    "${lines[@]}"
else
	login "$O" alice Issued-login-8y Issued-login-8y New-login-pw2 New-login-pw2
	if ! grep -qx 'LOGIN-OK-alice-2002' "$O" || ! grep -qx 'SSH-EXIT 0' "$O"; then
		show "$O" "the forced change did not end in the session"
	elif [ "$(prompts "$O")" != "$expect_prompts" ]; then
		show "$O" "prompts: '$(prompts "$O")'" "expected: '$expect_prompts'"
	elif ! grep -qF 'Your login password must be changed now.' "$O"; then
		show "$O" "the ssh user was not told the password must change"
	elif [ "$(field alice must_change)" != none ]; then
		show "$O" "must_change afterwards: $(field alice must_change), expected none"
	else
		login "$O" alice New-login-pw2
		if ! grep -qx 'LOGIN-OK-alice-2002' "$O" ||
		    [ "$(prompts "$O")" != "Password: |" ]; then
			show "$O" "the new password does not log in (without another change)"
		else
			login "$O" alice Issued-login-8y
			if grep -q 'LOGIN-OK' "$O" || ! grep -qx 'SSH-EXIT 255' "$O"; then
				show "$O" "the issued (old) password still logs in"
			else
				t_ok
			fi
		fi
	fi
fi

t_begin sshd_japanese_login_with_lang_ja
# sshd sets no locale while it authenticates: a Japanese site pins the
# language on the sshd stack (pam_pwadmin(8)).  The same stack with
# lang=ja on each pam_pwadmin.so line; the user's terminal in Japanese.
WARNJA="ログインパスワードの有効期限まで、あと 10 日です。"
cp "$T/svc/sshd" "$T/svc/sshd.en"
sed "/^[^#]/s|$B/pam_pwadmin.so socket=$SOCK|& lang=ja|" "$T/svc/sshd.en" \
    >"$T/svc/sshd"
LOGIN_LANG=ja_JP.UTF-8 login "$O" alice New-login-pw2
if [ "$(grep -c '^[^#].* lang=ja' "$T/svc/sshd")" -ne 3 ]; then
	t_fail "lang=ja is not on the 3 pam_pwadmin.so lines of $T/svc/sshd"
elif ! grep -qx 'LOGIN-OK-alice-2002' "$O" || ! grep -qx 'SSH-EXIT 0' "$O"; then
	show "$O" "the Japanese login did not end in the session"
elif [ "$(prompts "$O")" != "ログインパスワード: |" ]; then
	show "$O" "prompts: '$(prompts "$O")', expected 'ログインパスワード: |'"
elif ! grep -qxF "$WARNJA" "$O"; then
	show "$O" "the ssh user was not shown the warning in Japanese: $WARNJA"
else
	t_ok
fi
cp "$T/svc/sshd.en" "$T/svc/sshd"

t_begin sshd_daemon_down_refuses_non_root
t_daemon_stop
login "$O" alice New-login-pw2
if grep -q 'LOGIN-OK' "$O" || ! grep -qx 'SSH-EXIT 255' "$O" ||
    ! grep -q 'Permission denied' "$O"; then
	show "$O" "with the daemon down, alice was not refused"
elif ! sshd_new | grep -qF "cannot reach pwadmind at $SOCK"; then
	# the module said so (pam_wrapper writes its syslog lines to stderr)
	show "$O" "the module did not log that the daemon is unreachable"
else
	t_ok
fi

t_done
