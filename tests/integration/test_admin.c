/* SPDX-License-Identifier: MIT */
/*
 * Administration through the real client and a real pwadmind per test
 * (issue 4): who may act on whom (SPEC rule 3) for every actor role and
 * target, the actor's confirmation password and its lockout, all-or-nothing
 * bulk commands and unlock --all, reset and its summary (on a terminal and
 * not), the last-master guard and root's --force, the audit log and its
 * chain (edited, removed and reordered entries found with the LMDB tools),
 * and backup.
 *
 * Non-root actors are real other uids (the fake users of nss_wrapper):
 * those tests need real root and skip without it.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>
#include <libpamtest.h>

#include "conn.h"
#include "harness.h"
#include "pwerr.h"
#include "words.h"

static struct th T;

static const char *const services[] = {
	"pwtest|socket=@DIR@/sock",
	"pwconfirm|socket=@DIR@/sock factor=confirm",
	NULL,
};

/* The cast besides boss and alice (harness.h); no password holds a name. */
#define PW_CAROL_LOGIN	 "Admin-login-pw1"
#define PW_CAROL_CONFIRM "Admin-confirm-pw2"
#define PW_BOB_LOGIN	 "Second-login-pw1"
#define PW_BOB_CONFIRM	 "Second-confirm-pw2"
#define PW_MAL_LOGIN	 "Peer-login-pw1"
#define PW_MAL_CONFIRM	 "Peer-confirm-pw2"
#define PW_NEW_LOGIN	 "Reset-login-pw9"
#define PW_NEW_CONFIRM	 "Reset-confirm-pw8"
#define PW_WRONG	 "Wrong-guess-99"
#define PW_NEWBIE_LOGIN	  "Newbie-login-pw1"
#define PW_NEWBIE_CONFIRM "Newbie-confirm-pw2"

/* The reset summary's highlight on a terminal: bold on orange. */
#define HILITE "\033[1;30;48;5;208m"

/*
 * Fresh daemon: boss (master, by init) and alice (user), then carol
 * (admin), bob (master) and mallory (mallory_role), all added by root.
 */
static int
seed_cast(const char *mallory_role)
{
	if (th_start_seeded(&T, NULL) != 0)
		return -1;
	if (th_client(&T, 0, PW_CAROL_LOGIN "\n" PW_CAROL_CONFIRM "\n",
	    "useradd", "carol", "--role", "admin", (char *)NULL) != 0 ||
	    th_client(&T, 0, PW_BOB_LOGIN "\n" PW_BOB_CONFIRM "\n",
	    "useradd", "bob", "--role", "master", (char *)NULL) != 0 ||
	    th_client(&T, 0, PW_MAL_LOGIN "\n" PW_MAL_CONFIRM "\n",
	    "useradd", "mallory", "--role", mallory_role, (char *)NULL) != 0) {
		fprintf(stderr, "seed: %s%s", T.out, T.err);
		th_daemon_stop(&T);
		return -1;
	}
	return 0;
}

static int
setup_cast(void **state)
{
	(void)state;
	return seed_cast("user");
}

static int
setup_empty(void **state)
{
	(void)state;
	return th_daemon_start(&T, NULL, false);
}

static int
setup_seeded(void **state)
{
	(void)state;
	return th_start_seeded(&T, NULL);
}

static int
teardown(void **state)
{
	(void)state;
	return T.daemon > 0 ? th_daemon_stop(&T) : 0;
}

/* A refusal: exit 1 and one line on stderr saying why. */
static void
assert_refused(int rc)
{
	assert_true(th_exited(&T, rc, 1));
}

static void
assert_ok(int rc)
{
	assert_true(th_exited(&T, rc, 0));
}

/* True when some line of s starts with prefix. */
static bool
line_starts(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p;

	for (p = s; p != NULL && *p != '\0'; p = strchr(p, '\n'),
	    p = p != NULL ? p + 1 : NULL)
		if (strncmp(p, prefix, n) == 0)
			return true;
	return false;
}

/* True when s holds the decimal number n, not as part of a longer one. */
static bool
has_number(const char *s, unsigned long long n)
{
	char want[32];
	const char *p;
	size_t len;

	len = (size_t)snprintf(want, sizeof(want), "%llu", n);
	for (p = strstr(s, want); p != NULL; p = strstr(p + 1, want))
		if ((p == s || p[-1] < '0' || p[-1] > '9') &&
		    (p[len] < '0' || p[len] > '9'))
			return true;
	return false;
}

/* True when some line of s starts with prefix and holds word after it. */
static bool
marked_with(const char *s, const char *prefix, const char *word)
{
	size_t n = strlen(prefix);
	const char *p, *end, *w;

	for (p = s; p != NULL && *p != '\0'; p = end != NULL ? end + 1 : NULL) {
		end = strchr(p, '\n');
		if (strncmp(p, prefix, n) != 0)
			continue;
		w = strstr(p + n, word);
		if (w != NULL && (end == NULL || w < end))
			return true;
	}
	return false;
}

/* json_equal, where two missing documents are equal too. */
static bool
same_json(const json_t *a, const json_t *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return json_equal(a, b);
}

/* True when the file at path contains needle. */
static bool
file_has(const char *path, const char *needle)
{
	char *buf = NULL;
	size_t n = 0;
	bool r;
	FILE *f;

	if ((f = open_memstream(&buf, &n)) == NULL)
		return false;
	{
		char chunk[4096];
		size_t got;
		FILE *in = fopen(path, "r");

		while (in != NULL && (got = fread(chunk, 1, sizeof(chunk),
		    in)) > 0)
			fwrite(chunk, 1, got, f);
		if (in != NULL)
			fclose(in);
	}
	fclose(f);
	r = buf != NULL && memmem(buf, n, needle, strlen(needle)) != NULL;
	free(buf);
	return r;
}

/* `status USER --json' as root, quietly; NULL when it fails (no account). */
static json_t *
snap(const char *user)
{
	if (th_client(&T, 0, "", "status", user, "--json", (char *)NULL) != 0)
		return NULL;
	return json_loads(T.out, 0, NULL);
}

static bool
exists(const char *user)
{
	json_t *j = snap(user);

	json_decref(j);
	return j != NULL;
}

/* True when the must_change array of USER holds factor. */
static bool
must_change(const char *user, const char *factor)
{
	json_t *j = snap(user), *a, *v;
	bool r = false;
	size_t i;

	a = j != NULL ? json_object_get(j, "must_change") : NULL;
	json_array_foreach(a, i, v)
		if (json_is_string(v) &&
		    strcmp(json_string_value(v), factor) == 0)
			r = true;
	json_decref(j);
	return r;
}

static size_t
must_count(const char *user)
{
	json_t *j = snap(user);
	size_t n = json_array_size(json_object_get(j, "must_change"));

	json_decref(j);
	return n;
}

/* pam_authenticate on a service (pwtest: login, pwconfirm: confirm). */
static int
auth(const char *service, const char *user, const char *password)
{
	char msg[1024];

	return th_pam_auth_nodelay(service, user, password, msg, sizeof(msg));
}

/* N wrong passwords through PAM lock a factor (service pwtest/pwconfirm). */
static void
lock_factor(const char *service, const char *user)
{
	int i, rc = -1;

	for (i = 0; i < 5; i++)
		rc = auth(service, user, PW_WRONG);
	assert_int_equal(rc, PAM_MAXTRIES);
	assert_true(th_field_is(&T, user, strcmp(service, "pwtest") == 0 ?
	    "login" : "confirm", "locked"));
}

static void
lock_login(const char *user)
{
	lock_factor("pwtest", user);
}

/* `audit --json' run as uid, parsed; NULL on failure. */
static json_t *
audit_doc(uid_t uid)
{
	json_t *j;

	if (th_client(&T, uid, "", "audit", "--json", (char *)NULL) != 0) {
		fprintf(stderr, "audit --json: exit != 0: %s", T.err);
		return NULL;
	}
	if ((j = json_loads(T.out, 0, NULL)) == NULL)
		fprintf(stderr, "audit --json: not JSON: %s", T.out);
	return j;
}

static const char *
str_field(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "";
}

/*
 * Index of the first entry at or after `from' with this action and target
 * (target NULL: any) whose actor is `actor' (NULL: any) and, for an admin
 * operation (not a lock), whose result is "ok"; -1 if none.
 */
static int
find_entry(const json_t *entries, int from, const char *action,
    const char *target, const char *actor)
{
	bool any = strcmp(action, "lock") == 0;
	size_t i;

	for (i = from < 0 ? 0 : (size_t)from; i < json_array_size(entries);
	    i++) {
		const json_t *e = json_array_get(entries, i);

		if (strcmp(str_field(e, "action"), action) == 0 &&
		    (target == NULL ||
		    strcmp(str_field(e, "target"), target) == 0) &&
		    (actor == NULL ||
		    strcmp(str_field(e, "actor"), actor) == 0) &&
		    (any || strcmp(str_field(e, "result"), "ok") == 0))
			return (int)i;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* The permission matrix (rule 3)                                      */
/* ------------------------------------------------------------------ */

enum cmd { C_UNLOCK, C_SUSPEND, C_RESUME, C_RESET, C_USERDEL, C_ROLE,
	C_USERADD, NCMDS };
static const char *const cmd_name[NCMDS] = { "unlock", "suspend", "resume",
	"reset", "userdel", "role", "useradd" };

enum kind { K_MASTER, K_ADMIN, K_USER, K_SELF, NKINDS };
static const char *const kind_name[NKINDS] = { "a master", "an admin",
	"a user", "self" };

struct actor {
	const char *name;
	uid_t uid;
	enum kind role;		/* K_SELF: root */
	const char *confirm;	/* "" for root */
	const char *mallory;	/* mallory's role in this actor's cast */
	const char *target[NKINDS]; /* NULL: no such target (root's self) */
};

static const struct actor boss_actor = { "boss", TH_UID_BOSS, K_MASTER,
	TH_PW_BOSS_CONFIRM, "user", { "bob", "carol", "alice", "boss" } };
/* mallory is a second admin here, so the admin acts on another admin */
static const struct actor carol_actor = { "carol", TH_UID_CAROL, K_ADMIN,
	PW_CAROL_CONFIRM, "admin", { "boss", "mallory", "alice", "carol" } };
static const struct actor alice_actor = { "alice", TH_UID_ALICE, K_USER,
	TH_PW_ALICE_CONFIRM, "user", { "boss", "carol", "mallory", "alice" } };
static const struct actor root_actor = { "root", 0, K_SELF, "", "user",
	{ "bob", "carol", "alice", NULL } };

/* New accounts for useradd, one per role given. */
static const char *const new_name[NKINDS] = { "dave", "erin", "frank", NULL };
static const char *const role_word[NKINDS] = { "master", "admin", "user",
	NULL };

/* Rule 3: does this actor's command on this kind of target succeed? */
static bool
allowed(const struct actor *a, enum cmd c, enum kind k)
{
	if (a->uid == 0)
		return true;	/* recovery: root acts on anyone */
	if (k == K_SELF || a->role == K_USER)
		return false;	/* never on self; users never */
	if (c == C_ROLE)
		return a->role == K_MASTER; /* masters only */
	if (a->role == K_ADMIN && k == K_MASTER)
		return false;	/* an admin never on a master, nor makes one */
	return true;
}

/* The role that `role' gives a target of kind k: always a change. */
static const char *
role_for(enum kind k)
{
	return k == K_USER ? "admin" : "user";
}

static int
run_cmd(const struct actor *a, enum cmd c, enum kind k, const char *tgt)
{
	char in[256];

	switch (c) {
	case C_RESET:
		snprintf(in, sizeof(in), "%s\n%s%s", PW_NEW_LOGIN, a->confirm,
		    a->uid != 0 ? "\n" : "");
		return th_client(&T, a->uid, in, "reset", tgt, "--login",
		    (char *)NULL);
	case C_USERADD:
		snprintf(in, sizeof(in), "%s\n%s\n%s%s", PW_NEWBIE_LOGIN,
		    PW_NEWBIE_CONFIRM, a->confirm, a->uid != 0 ? "\n" : "");
		return th_client(&T, a->uid, in, "useradd", tgt, "--role",
		    role_word[k], (char *)NULL);
	default:
		break;
	}
	snprintf(in, sizeof(in), "%s%s", a->confirm, a->uid != 0 ? "\n" : "");
	if (c == C_ROLE)
		return th_client(&T, a->uid, in, "role", tgt, role_for(k),
		    (char *)NULL);
	return th_client(&T, a->uid, in, cmd_name[c], tgt, (char *)NULL);
}

/* The state before the command, so that the effect can be checked. */
static void
prepare(const struct actor *a, enum cmd c)
{
	int k;

	for (k = 0; k < K_SELF; k++) {
		if (c == C_UNLOCK)
			lock_login(a->target[k]);
		if (c == C_RESUME)
			assert_int_equal(th_client(&T, 0, "", "suspend",
			    a->target[k], (char *)NULL), 0);
	}
}

/* Did an allowed command do what it says?  NULL if so, else what is wrong. */
static const char *
effect_ok(enum cmd c, enum kind k, const char *tgt)
{
	const char *why = NULL;
	json_t *j;

	if (c == C_USERDEL)
		return exists(tgt) ? "the account still exists" : NULL;
	if ((j = snap(tgt)) == NULL)
		return "no status for the target";
	switch (c) {
	case C_UNLOCK:
		if (strcmp(str_field(j, "login"), "available") != 0 ||
		    json_integer_value(json_object_get(j,
		    "login_failures")) != 0)
			why = "the login password is still locked";
		break;
	case C_SUSPEND:
		if (strcmp(str_field(j, "service"), "suspended") != 0)
			why = "the account is not suspended";
		break;
	case C_RESUME:
		if (strcmp(str_field(j, "service"), "available") != 0)
			why = "the account is still suspended";
		break;
	case C_ROLE:
		if (strcmp(str_field(j, "role"), role_for(k)) != 0)
			why = "the role did not change";
		break;
	case C_USERADD:
		if (strcmp(str_field(j, "role"), role_word[k]) != 0)
			why = "the new account has another role";
		break;
	case C_RESET:
		if (!must_change(tgt, "login"))
			why = "no must-change mark on the login password";
		else if (auth("pwtest", tgt, PW_NEW_LOGIN) != PAM_SUCCESS)
			why = "the new login password does not log in";
		break;
	default:
		break;
	}
	json_decref(j);
	return why;
}

/*
 * One actor, every command, each on a fresh daemon: every target kind,
 * allowed or refused per rule 3.  Mismatches are printed and counted, so
 * one run shows the whole matrix.
 */
static void
matrix(const struct actor *a)
{
	char out[TH_OUT_MAX], err[TH_OUT_MAX];
	const char *tgt, *why;
	json_t *before, *after;
	int c, k, rc, bad = 0;
	long long n;
	bool ok;

	for (c = 0; c < NCMDS; c++) {
		assert_int_equal(seed_cast(a->mallory), 0);
		prepare(a, c);
		for (k = 0; k < NKINDS; k++) {
			tgt = c == C_USERADD ? new_name[k] : a->target[k];
			if (tgt == NULL)
				continue;
			ok = allowed(a, c, k);
			before = ok ? NULL : snap(tgt);
			rc = run_cmd(a, c, k, tgt);
			snprintf(out, sizeof(out), "%s", T.out);
			snprintf(err, sizeof(err), "%s", T.err);
			why = NULL;
			if (ok && rc != 0)
				why = "refused, expected allowed";
			else if (ok)
				why = effect_ok(c, k, tgt);
			else if (rc != 1)
				why = "not refused with exit 1";
			else if (!th_one_line(err))
				why = "the refusal is not one line on stderr";
			else if (k == K_SELF && (a->role == K_MASTER ||
			    (a->role == K_ADMIN && c != C_ROLE)) &&
			    strstr(err, "passwd") == NULL)
				why = "the self refusal does not point to "
				    "pwadmin passwd";
			else {
				after = snap(tgt);
				if (!same_json(before, after))
					why = "refused, but the target changed";
				json_decref(after);
			}
			if (why == NULL && !ok && c == C_RESET &&
			    auth("pwtest", tgt, PW_NEW_LOGIN) ==
			    PAM_SUCCESS)
				why = "refused, but the password was reset";
			json_decref(before);
			if (why == NULL)
				continue;
			bad++;
			fprintf(stderr, "MATRIX %s (%s) %s %s (%s): %s\n"
			    "  exit %d, stdout: %s  stderr: %s\n", a->name,
			    a->uid == 0 ? "root" : kind_name[a->role],
			    cmd_name[c], tgt, c == C_USERADD ? role_word[k] :
			    kind_name[k], why, rc, out, err);
		}
		/* refusals with the right password never count as wrong */
		n = a->uid != 0 ? th_field(&T, a->name, "confirm_failures") : 0;
		if (n != 0) {
			bad++;
			fprintf(stderr, "MATRIX %s %s: confirm_failures is "
			    "%lld\n", a->name, cmd_name[c], n);
		}
		assert_int_equal(th_daemon_stop(&T), 0);
	}
	assert_int_equal(bad, 0);
}

static void
test_matrix_master(void **state)
{
	(void)state;
	if (!th_is_root())
		skip(); /* the master is a real other uid */
	matrix(&boss_actor);
}

static void
test_matrix_admin(void **state)
{
	(void)state;
	if (!th_is_root())
		skip();
	matrix(&carol_actor);
}

static void
test_matrix_user(void **state)
{
	(void)state;
	if (!th_is_root())
		skip();
	matrix(&alice_actor);
}

static void
test_matrix_root(void **state)
{
	(void)state;
	matrix(&root_actor);
}

/* ------------------------------------------------------------------ */
/* The actor's confirmation password                                   */
/* ------------------------------------------------------------------ */

/* Five wrong confirmations lock the actor's; then even the right one fails. */
static void
lock_actor_confirm(uid_t uid, const char *actor, const char *right)
{
	char in[128];
	int i;

	for (i = 1; i <= 5; i++) {
		assert_refused(th_client(&T, uid, PW_WRONG "\n", "suspend",
		    "alice", (char *)NULL));
		assert_int_equal(th_field(&T, actor, "confirm_failures"), i);
		assert_true(th_field_is(&T, "alice", "service", "available"));
	}
	assert_true(th_field_is(&T, actor, "confirm", "locked"));
	/* every admin command is refused now, the right password too */
	snprintf(in, sizeof(in), "%s\n", right);
	assert_refused(th_client(&T, uid, in, "suspend", "alice",
	    (char *)NULL));
	assert_refused(th_client(&T, uid, in, "unlock", "mallory",
	    (char *)NULL));
	snprintf(in, sizeof(in), "%s\n%s\n", PW_NEW_LOGIN, right);
	assert_refused(th_client(&T, uid, in, "reset", "alice", "--login",
	    (char *)NULL));
	snprintf(in, sizeof(in), "%s\n%s\n%s\n", PW_NEWBIE_LOGIN,
	    PW_NEWBIE_CONFIRM, right);
	assert_refused(th_client(&T, uid, in, "useradd", "frank", "--role",
	    "user", (char *)NULL));
	assert_true(th_field_is(&T, "alice", "service", "available"));
	assert_int_not_equal(auth("pwtest", "alice", PW_NEW_LOGIN),
	    PAM_SUCCESS);
	assert_false(exists("frank"));
	assert_true(th_field_is(&T, actor, "confirm", "locked"));
}

static void
test_wrong_confirm_locks_admin(void **state)
{
	(void)state;
	if (!th_is_root())
		skip();
	/* a wrong one is counted; a right one resets the count */
	assert_refused(th_client(&T, TH_UID_CAROL, PW_WRONG "\n", "suspend",
	    "alice", (char *)NULL));
	assert_int_equal(th_field(&T, "carol", "confirm_failures"), 1);
	assert_ok(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n", "suspend",
	    "mallory", (char *)NULL));
	assert_int_equal(th_field(&T, "carol", "confirm_failures"), 0);
	assert_ok(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n", "resume",
	    "mallory", (char *)NULL));
	lock_actor_confirm(TH_UID_CAROL, "carol", PW_CAROL_CONFIRM);
	/* a user cannot lift it; a master can */
	assert_refused(th_client(&T, TH_UID_ALICE, TH_PW_ALICE_CONFIRM "\n",
	    "unlock", "carol", (char *)NULL));
	assert_true(th_field_is(&T, "carol", "confirm", "locked"));
	assert_ok(th_client(&T, TH_UID_BOSS, TH_PW_BOSS_CONFIRM "\n", "unlock",
	    "carol", (char *)NULL));
	assert_true(th_field_is(&T, "carol", "confirm", "available"));
	assert_int_equal(th_field(&T, "carol", "confirm_failures"), 0);
	assert_ok(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n", "suspend",
	    "alice", (char *)NULL));
	assert_true(th_field_is(&T, "alice", "service", "suspended"));
}

static void
test_wrong_confirm_locks_master(void **state)
{
	(void)state;
	if (!th_is_root())
		skip();
	lock_actor_confirm(TH_UID_BOSS, "boss", TH_PW_BOSS_CONFIRM);
	/* an admin never acts on a master; root (recovery) does */
	assert_refused(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n",
	    "unlock", "boss", (char *)NULL));
	assert_true(th_field_is(&T, "boss", "confirm", "locked"));
	assert_ok(th_client(&T, 0, "", "unlock", "boss", (char *)NULL));
	assert_true(th_field_is(&T, "boss", "confirm", "available"));
	assert_int_equal(th_field(&T, "boss", "confirm_failures"), 0);
	assert_ok(th_client(&T, TH_UID_BOSS, TH_PW_BOSS_CONFIRM "\n", "suspend",
	    "alice", (char *)NULL));
	assert_true(th_field_is(&T, "alice", "service", "suspended"));
}

/* ------------------------------------------------------------------ */
/* Bulk commands: all or nothing; unlock --all                         */
/* ------------------------------------------------------------------ */

/* Runs a refused bulk command and checks that none of `names' changed. */
static void
refused_unchanged(uid_t uid, const char *in, const char *cmd,
    const char *n1, const char *n2, const char *n3)
{
	json_t *b1 = snap(n1), *b2 = snap(n2), *a1, *a2;

	assert_non_null(b1);
	assert_non_null(b2);
	assert_refused(th_client(&T, uid, in, cmd, n1, n2, n3, (char *)NULL));
	a1 = snap(n1);
	a2 = snap(n2);
	assert_true(json_equal(b1, a1));
	assert_true(json_equal(b2, a2));
	json_decref(b1);
	json_decref(b2);
	json_decref(a1);
	json_decref(a2);
}

static void
test_bulk_all_or_nothing(void **state)
{
	(void)state;
	if (!th_is_root())
		skip();
	/* an admin naming a master: the whole command is refused */
	refused_unchanged(TH_UID_CAROL, PW_CAROL_CONFIRM "\n", "suspend",
	    "alice", "mallory", "boss");
	assert_true(th_field_is(&T, "boss", "service", "available"));
	lock_login("alice");
	lock_login("mallory");
	lock_login("bob");
	refused_unchanged(TH_UID_CAROL, PW_CAROL_CONFIRM "\n", "unlock",
	    "alice", "mallory", "bob");
	assert_true(th_field_is(&T, "bob", "login", "locked"));
	/* a master naming itself */
	refused_unchanged(TH_UID_BOSS, TH_PW_BOSS_CONFIRM "\n", "unlock",
	    "alice", "mallory", "boss");
	/* root naming an account that does not exist */
	refused_unchanged(0, "", "unlock", "alice", "mallory", "nosuchuser");
	assert_ok(th_client(&T, 0, "", "suspend", "alice", "mallory",
	    (char *)NULL));
	refused_unchanged(TH_UID_CAROL, PW_CAROL_CONFIRM "\n", "resume",
	    "alice", "mallory", "boss");
	refused_unchanged(0, "", "resume", "alice", "mallory", "nosuchuser");
	assert_true(th_field_is(&T, "alice", "service", "suspended"));
	/* the same without the bad name succeeds, and lists each account */
	assert_ok(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n", "resume",
	    "alice", "mallory", (char *)NULL));
	assert_non_null(strstr(T.out, "alice"));
	assert_non_null(strstr(T.out, "mallory"));
	assert_true(th_field_is(&T, "alice", "service", "available"));
	assert_true(th_field_is(&T, "mallory", "service", "available"));
	assert_ok(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n", "unlock",
	    "alice", "mallory", (char *)NULL));
	assert_true(th_field_is(&T, "alice", "login", "available"));
	assert_true(th_field_is(&T, "mallory", "login", "available"));
	assert_true(th_field_is(&T, "bob", "login", "locked"));
	/* refusals with the right password did not count as wrong ones */
	assert_int_equal(th_field(&T, "carol", "confirm_failures"), 0);
	assert_int_equal(th_field(&T, "boss", "confirm_failures"), 0);
}

static void
test_unlock_all(void **state)
{
	(void)state;
	if (!th_is_root())
		skip();
	lock_login("alice");
	lock_factor("pwconfirm", "mallory");
	lock_login("carol");
	lock_login("boss");
	lock_login("bob");
	/* the admin: users only; not itself, not the masters */
	assert_ok(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n", "unlock",
	    "--all", (char *)NULL));
	assert_non_null(strstr(T.out, "alice"));
	assert_non_null(strstr(T.out, "mallory"));
	assert_true(th_field_is(&T, "alice", "login", "available"));
	assert_true(th_field_is(&T, "mallory", "confirm", "available"));
	assert_int_equal(th_field(&T, "mallory", "confirm_failures"), 0);
	assert_true(th_field_is(&T, "carol", "login", "locked"));
	assert_true(th_field_is(&T, "boss", "login", "locked"));
	assert_true(th_field_is(&T, "bob", "login", "locked"));
	/* a master: the admin and the other master, not itself */
	assert_ok(th_client(&T, TH_UID_BOSS, TH_PW_BOSS_CONFIRM "\n", "unlock",
	    "--all", (char *)NULL));
	assert_true(th_field_is(&T, "carol", "login", "available"));
	assert_true(th_field_is(&T, "bob", "login", "available"));
	assert_true(th_field_is(&T, "boss", "login", "locked"));
	/* root has no account of its own: everything */
	assert_ok(th_client(&T, 0, "", "unlock", "--all", (char *)NULL));
	assert_true(th_field_is(&T, "boss", "login", "available"));
	assert_int_equal(th_field(&T, "boss", "login_failures"), 0);
}

/* ------------------------------------------------------------------ */
/* Reset (rule 6)                                                      */
/* ------------------------------------------------------------------ */

static void
test_reset_marks_and_login(void **state)
{
	const int ops[] = { PAMTEST_AUTHENTICATE, PAMTEST_ACCOUNT };
	const int ok[] = { PAM_SUCCESS, PAM_SUCCESS };
	const int newtok[] = { PAM_SUCCESS, PAM_NEW_AUTHTOK_REQD };
	char msg[1024];

	(void)state;
	/* boss (made by init) carries no mark: each reset's marks show */
	assert_int_equal(must_count("boss"), 0);
	assert_ok(th_client(&T, 0, PW_NEW_LOGIN "\n", "reset", "boss",
	    "--login", "--no-force-change", (char *)NULL));
	assert_int_equal(must_count("boss"), 0);
	assert_int_equal(th_pam("pwtest", "boss", PW_NEW_LOGIN, ops, ok, 2,
	    msg, sizeof(msg)), 2);
	assert_int_equal(auth("pwtest", "boss", TH_PW_BOSS_LOGIN),
	    PAM_AUTH_ERR);
	assert_ok(th_client(&T, 0, PW_NEW_CONFIRM "\n", "reset", "boss",
	    "--confirm", (char *)NULL));
	assert_int_equal(must_count("boss"), 1);
	assert_true(must_change("boss", "confirm"));
	assert_int_equal(auth("pwconfirm", "boss", PW_NEW_CONFIRM),
	    PAM_SUCCESS);
	assert_ok(th_client(&T, 0, "Third-login-pw7\n", "reset", "boss",
	    "--login", (char *)NULL));
	assert_int_equal(must_count("boss"), 2);
	assert_true(must_change("boss", "login"));
	assert_int_equal(th_pam("pwtest", "boss", "Third-login-pw7", ops,
	    newtok, 2, msg, sizeof(msg)), 2);
	/* both at once by an admin: login, confirm, then the actor's */
	if (th_is_root()) {
		assert_ok(th_client(&T, TH_UID_CAROL, PW_NEW_LOGIN "\n"
		    PW_NEW_CONFIRM "\n" PW_CAROL_CONFIRM "\n", "reset", "alice",
		    "--login", "--confirm", (char *)NULL));
		assert_true(must_change("alice", "login"));
		assert_true(must_change("alice", "confirm"));
		assert_int_equal(th_pam("pwtest", "alice", PW_NEW_LOGIN, ops,
		    newtok, 2, msg, sizeof(msg)), 2);
		assert_int_equal(auth("pwconfirm", "alice", PW_NEW_CONFIRM),
		    PAM_SUCCESS);
		assert_int_equal(auth("pwtest", "alice", TH_PW_ALICE_LOGIN),
		    PAM_AUTH_ERR);
	}
}

static void
test_reset_refusals(void **state)
{
	(void)state;
	/* quality: too short; and login equal to confirm */
	assert_refused(th_client(&T, 0, "Short1\n", "reset", "alice", "--login",
	    (char *)NULL));
	assert_refused(th_client(&T, 0, PW_NEW_LOGIN "\n" PW_NEW_LOGIN "\n",
	    "reset", "alice", "--login", "--confirm", (char *)NULL));
	/* the new password equal to the account's other one */
	assert_refused(th_client(&T, 0, TH_PW_ALICE_CONFIRM "\n", "reset",
	    "alice", "--login", (char *)NULL));
	assert_int_equal(auth("pwtest", "alice", TH_PW_ALICE_LOGIN),
	    PAM_SUCCESS);
	/* no such account */
	assert_refused(th_client(&T, 0, PW_NEW_LOGIN "\n", "reset",
	    "nosuchuser", "--login", (char *)NULL));
}

static void
test_reset_does_not_unlock(void **state)
{
	(void)state;
	lock_login("alice");
	assert_ok(th_client(&T, 0, PW_NEW_LOGIN "\n", "reset", "alice",
	    "--login", (char *)NULL));
	/* the summary says the lock stays */
	assert_non_null(strstr(T.out, "locked"));
	assert_true(th_field_is(&T, "alice", "login", "locked"));
	assert_int_equal(auth("pwtest", "alice", PW_NEW_LOGIN), PAM_MAXTRIES);
	assert_ok(th_client(&T, 0, "", "unlock", "alice", (char *)NULL));
	assert_int_equal(auth("pwtest", "alice", PW_NEW_LOGIN), PAM_SUCCESS);
}

/* Not a terminal: the changed items are marked "* ", no escapes. */
static void
test_reset_summary_pipe(void **state)
{
	(void)state;
	assert_ok(th_client(&T, 0, PW_NEW_LOGIN "\n", "reset", "alice",
	    "--login", (char *)NULL));
	if (!line_starts(T.out, "* "))
		fprintf(stderr, "summary: %s\nstderr: %s\n", T.out, T.err);
	assert_true(line_starts(T.out, "* "));
	assert_null(strstr(T.out, "\033["));
	assert_null(strstr(T.err, "\033["));
	/* a marked line is about the login password */
	assert_true(marked_with(T.out, "* ", "login"));
	/* no secret in the summary */
	assert_null(strstr(T.out, PW_NEW_LOGIN));
	if (!th_is_root())
		return;
	/* an admin sees it before typing the confirmation password */
	assert_ok(th_client(&T, TH_UID_CAROL, PW_NEW_CONFIRM "\n"
	    PW_CAROL_CONFIRM "\n", "reset", "alice", "--confirm",
	    (char *)NULL));
	assert_true(marked_with(T.out, "* ", "confirm"));
	assert_null(strstr(T.out, "\033["));
}

/* On a terminal: bold on an orange background. */
static void
test_reset_summary_tty(void **state)
{
	(void)state;
	assert_ok(th_client_pty(&T, 0, PW_NEW_LOGIN "\n", "reset", "alice",
	    "--login", (char *)NULL));
	if (strstr(T.out, HILITE) == NULL)
		fprintf(stderr, "terminal output: %s\n", T.out);
	assert_non_null(strstr(T.out, HILITE));
	assert_null(strstr(T.out, PW_NEW_LOGIN));
	assert_true(must_change("alice", "login"));
	assert_int_equal(auth("pwtest", "alice", PW_NEW_LOGIN),
	    PAM_SUCCESS);
}

/* ------------------------------------------------------------------ */
/* The last master (rule 3) and root's --force                         */
/* ------------------------------------------------------------------ */

/* A refusal by the guard: one line that says why; boss unchanged. */
static void
guard_refuses(const char *cmd, const char *arg)
{
	json_t *before = snap("boss"), *after;

	assert_non_null(before);
	assert_refused(th_client(&T, 0, "", cmd, "boss", arg, (char *)NULL));
	assert_non_null(strstr(T.err, "master"));
	after = snap("boss");
	assert_true(json_equal(before, after));
	json_decref(before);
	json_decref(after);
}

static void
guard_refuses_all(void)
{
	guard_refuses("userdel", NULL);
	guard_refuses("role", "admin");
	guard_refuses("role", "user");
	guard_refuses("suspend", NULL);
}

/*
 * A successful audit entry of this action on boss, by root, that says it
 * was forced (a refusal's detail may mention --force too: not that one).
 */
static bool
forced_entry(const json_t *entries, const char *action)
{
	size_t i;

	for (i = 0; i < json_array_size(entries); i++) {
		const json_t *e = json_array_get(entries, i);

		if (strcmp(str_field(e, "action"), action) == 0 &&
		    strcmp(str_field(e, "target"), "boss") == 0 &&
		    strcmp(str_field(e, "actor"), "root") == 0 &&
		    strcmp(str_field(e, "result"), "ok") == 0 &&
		    strcasestr(str_field(e, "detail"), "forc") != NULL)
			return true;
	}
	return false;
}

static void
test_last_master(void **state)
{
	json_t *doc, *entries;

	(void)state;
	/* boss is the only master */
	guard_refuses_all();
	/* a second master that cannot log in does not count */
	assert_ok(th_client(&T, 0, PW_BOB_LOGIN "\n" PW_BOB_CONFIRM "\n",
	    "useradd", "bob", "--role", "master", (char *)NULL));
	lock_login("bob");
	guard_refuses_all();
	assert_ok(th_client(&T, 0, "", "suspend", "bob", (char *)NULL));
	assert_ok(th_client(&T, 0, "", "unlock", "bob", (char *)NULL));
	guard_refuses_all();	/* bob is suspended */
	assert_ok(th_client(&T, 0, "", "resume", "bob", (char *)NULL));
	/* with bob usable, boss may go */
	assert_ok(th_client(&T, 0, "", "suspend", "boss", (char *)NULL));
	assert_ok(th_client(&T, 0, "", "resume", "boss", (char *)NULL));
	/* ... and bob now is the last one */
	assert_ok(th_client(&T, 0, "", "userdel", "bob", (char *)NULL));
	assert_false(exists("bob"));
	guard_refuses_all();
	/* root's --force goes past the guard, and the log says so */
	assert_ok(th_client(&T, 0, "", "suspend", "boss", "--force",
	    (char *)NULL));
	assert_true(th_field_is(&T, "boss", "service", "suspended"));
	assert_ok(th_client(&T, 0, "", "resume", "boss", (char *)NULL));
	assert_ok(th_client(&T, 0, "", "role", "boss", "admin", "--force",
	    (char *)NULL));
	assert_true(th_field_is(&T, "boss", "role", "admin"));
	assert_ok(th_client(&T, 0, "", "role", "boss", "master", (char *)NULL));
	assert_true(th_field_is(&T, "boss", "role", "master"));
	assert_ok(th_client(&T, 0, "", "userdel", "boss", "--force",
	    (char *)NULL));
	assert_false(exists("boss"));
	assert_non_null(doc = audit_doc(0));
	entries = json_object_get(doc, "entries");
	assert_true(forced_entry(entries, "suspend"));
	assert_true(forced_entry(entries, "role"));
	assert_true(forced_entry(entries, "userdel"));
	json_decref(doc);
	assert_int_equal(th_client(&T, 0, "", "audit", "--verify",
	    (char *)NULL), 0);
}

static void
test_force_needs_root(void **state)
{
	(void)state;
	if (!th_is_root())
		skip();
	/* bob and boss are masters: no guard applies; --force is root's */
	refused_unchanged(TH_UID_BOB, PW_BOB_CONFIRM "\n", "suspend", "boss",
	    "alice", "--force");
	assert_refused(th_client(&T, TH_UID_BOB, PW_BOB_CONFIRM "\n", "userdel",
	    "alice", "--force", (char *)NULL));
	assert_refused(th_client(&T, TH_UID_BOB, PW_BOB_CONFIRM "\n", "role",
	    "boss", "admin", "--force", (char *)NULL));
	assert_true(th_field_is(&T, "boss", "role", "master"));
	assert_refused(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n",
	    "userdel", "alice", "--force", (char *)NULL));
	assert_true(exists("alice"));
	assert_true(exists("boss"));
}

/* ------------------------------------------------------------------ */
/* Audit (rule 13)                                                     */
/* ------------------------------------------------------------------ */

/* The number of entries in the audit log, or -1. */
static long
audit_count(void)
{
	json_t *doc = audit_doc(0);
	long n = doc != NULL ?
	    (long)json_array_size(json_object_get(doc, "entries")) : -1;

	json_decref(doc);
	return n;
}

/*
 * Refusals: one before the actor's confirmation password is checked costs
 * nothing and is not audited (it cannot grow the log); one after a wrong
 * confirmation password is, and so is root's.
 */
static void
test_audit_refusals(void **state)
{
	json_t *doc, *entries, *e;
	long n0;
	int i;

	(void)state;
	if (!th_is_root())
		skip(); /* carol must be her own uid */
	n0 = audit_count();
	assert_true(n0 > 0);
	for (i = 0; i < 20; i++)
		assert_refused(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n",
		    "suspend", "boss", (char *)NULL));
	assert_refused(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n",
	    "suspend", "nosuchuser", (char *)NULL));
	assert_int_equal(audit_count(), n0);
	assert_int_equal(th_field(&T, "carol", "confirm_failures"), 0);

	assert_refused(th_client(&T, TH_UID_CAROL, PW_WRONG "\n", "suspend",
	    "alice", (char *)NULL));
	/* both masters at once: the last-master guard refuses root too */
	assert_refused(th_client(&T, 0, "", "suspend", "boss", "bob",
	    (char *)NULL));
	assert_int_equal(audit_count(), n0 + 2);
	assert_non_null(doc = audit_doc(0));
	entries = json_object_get(doc, "entries");
	e = json_array_get(entries, (size_t)n0);
	assert_string_equal(str_field(e, "action"), "suspend");
	assert_string_equal(str_field(e, "actor"), "carol");
	assert_string_equal(str_field(e, "target"), "alice");
	assert_string_equal(str_field(e, "result"), "refused");
	assert_non_null(strstr(str_field(e, "detail"), "confirmation"));
	e = json_array_get(entries, (size_t)n0 + 1);
	assert_string_equal(str_field(e, "action"), "suspend");
	assert_string_equal(str_field(e, "actor"), "root");
	assert_string_equal(str_field(e, "result"), "refused");
	assert_non_null(strstr(str_field(e, "detail"), "master"));
	json_decref(doc);
	assert_true(th_field_is(&T, "alice", "service", "available"));
	assert_true(th_field_is(&T, "boss", "service", "available"));
	assert_true(th_field_is(&T, "bob", "service", "available"));
}

static void
test_audit_log(void **state)
{
	static const char *const keys[] = { "seq", "time", "uid", "actor",
		"action", "target", "result", "status", "detail", "hash" };
	static const char *const secrets[] = { TH_PW_BOSS_LOGIN,
		TH_PW_BOSS_CONFIRM, TH_PW_ALICE_LOGIN, TH_PW_ALICE_CONFIRM,
		PW_CAROL_LOGIN, PW_CAROL_CONFIRM, PW_NEW_LOGIN, PW_WRONG };
	json_t *doc, *entries, *e;
	json_int_t prev = 0, seq;
	char *text;
	size_t i, k;
	int at;

	(void)state;
	lock_login("alice");
	assert_ok(th_client(&T, 0, "", "unlock", "alice", (char *)NULL));
	assert_ok(th_client(&T, 0, "", "suspend", "mallory", (char *)NULL));
	assert_ok(th_client(&T, 0, "", "resume", "mallory", (char *)NULL));
	assert_ok(th_client(&T, 0, PW_NEW_LOGIN "\n", "reset", "alice",
	    "--login", (char *)NULL));
	assert_ok(th_client(&T, 0, "", "role", "mallory", "admin",
	    (char *)NULL));
	assert_ok(th_client(&T, 0, "", "userdel", "mallory", (char *)NULL));
	if (th_is_root())
		assert_ok(th_client(&T, TH_UID_CAROL, PW_CAROL_CONFIRM "\n",
		    "suspend", "alice", (char *)NULL));

	assert_non_null(doc = audit_doc(0));
	entries = json_object_get(doc, "entries");
	assert_true(json_is_array(entries));
	json_array_foreach(entries, i, e) {
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (json_object_get(e, keys[k]) == NULL) {
				fprintf(stderr, "entry %zu has no %s\n", i,
				    keys[k]);
				fail();
			}
		assert_true(json_is_integer(json_object_get(e, "seq")));
		seq = json_integer_value(json_object_get(e, "seq"));
		assert_true(seq > prev);
		prev = seq;
		assert_true(strlen(str_field(e, "hash")) > 0);
	}
	/* every kind of event, in the order it happened */
	assert_true((at = find_entry(entries, 0, "init", "boss", "root")) >= 0);
	assert_true((at = find_entry(entries, at, "useradd", "alice", "root"))
	    >= 0);
	assert_true((at = find_entry(entries, at, "useradd", "carol", "root"))
	    >= 0);
	assert_true((at = find_entry(entries, at, "lock", "alice", NULL)) >= 0);
	assert_true((at = find_entry(entries, at, "unlock", "alice", "root"))
	    >= 0);
	assert_true((at = find_entry(entries, at, "suspend", "mallory",
	    "root")) >= 0);
	assert_true((at = find_entry(entries, at, "resume", "mallory",
	    "root")) >= 0);
	assert_true((at = find_entry(entries, at, "reset", "alice", "root"))
	    >= 0);
	assert_true((at = find_entry(entries, at, "role", "mallory", "root"))
	    >= 0);
	assert_true((at = find_entry(entries, at, "userdel", "mallory",
	    "root")) >= 0);
	if (th_is_root()) {
		assert_true((at = find_entry(entries, at, "suspend", "alice",
		    "carol")) >= 0);
		e = json_array_get(entries, (size_t)at);
		assert_int_equal(json_integer_value(json_object_get(e, "uid")),
		    TH_UID_CAROL);
	}
	/* no secret in the log */
	text = json_dumps(doc, 0);
	for (k = 0; k < sizeof(secrets) / sizeof(secrets[0]); k++)
		assert_null(strstr(text, secrets[k]));
	free(text);
	json_decref(doc);

	assert_int_equal(th_client(&T, 0, "", "audit", "--verify",
	    (char *)NULL), 0);
	/* the readable form, and --since */
	assert_ok(th_client(&T, 0, "", "audit", (char *)NULL));
	assert_non_null(strstr(T.out, "unlock"));
	assert_ok(th_client(&T, 0, "", "audit", "--since", "2000-01-01",
	    "--json", (char *)NULL));
	assert_non_null(doc = json_loads(T.out, 0, NULL));
	assert_true(json_array_size(json_object_get(doc, "entries")) > 10);
	json_decref(doc);
	assert_ok(th_client(&T, 0, "", "audit", "--since",
	    "2099-01-01T00:00:00Z", "--json", (char *)NULL));
	assert_non_null(doc = json_loads(T.out, 0, NULL));
	assert_int_equal(json_array_size(json_object_get(doc, "entries")), 0);
	json_decref(doc);
	/* the daemon's log lines hold no secret either */
	for (k = 0; k < sizeof(secrets) / sizeof(secrets[0]); k++)
		assert_false(file_has(T.log, secrets[k]));
	if (!th_is_root())
		return;
	/* masters and admins read it; users do not */
	assert_non_null(doc = audit_doc(TH_UID_CAROL));
	json_decref(doc);
	assert_int_equal(th_client(&T, TH_UID_CAROL, "", "audit", "--verify",
	    (char *)NULL), 0);
	assert_refused(th_client(&T, TH_UID_ALICE, "", "audit", "--json",
	    (char *)NULL));
	assert_refused(th_client(&T, TH_UID_ALICE, "", "audit", "--verify",
	    (char *)NULL));
}

/* Runs a program (without the test's preloads), quietly; its exit status. */
static int
run(const char *const argv[])
{
	char *av[16];
	int st, fd;
	size_t i;
	pid_t pid;

	for (i = 0; i < 15 && argv[i] != NULL; i++)
		memcpy(&av[i], &argv[i], sizeof(av[i]));
	av[i] = NULL;

	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		unsetenv("LD_PRELOAD");
		if ((fd = open("/dev/null", O_WRONLY)) >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(av[0], av);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* An mdb_dump text, as lines (without their newlines). */
struct dump {
	char **line;
	size_t n;
};

static void
dump_read(struct dump *d, const char *path)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f;

	memset(d, 0, sizeof(*d));
	assert_non_null(f = fopen(path, "r"));
	while ((len = getline(&buf, &cap, f)) >= 0) {
		if (len > 0 && buf[len - 1] == '\n')
			buf[len - 1] = '\0';
		assert_non_null(d->line = realloc(d->line,
		    (d->n + 1) * sizeof(*d->line)));
		assert_non_null(d->line[d->n++] = strdup(buf));
	}
	free(buf);
	fclose(f);
}

static void
dump_write(const struct dump *d, const char *path)
{
	FILE *f;
	size_t i;

	assert_non_null(f = fopen(path, "w"));
	for (i = 0; i < d->n; i++)
		if (d->line[i] != NULL)
			fprintf(f, "%s\n", d->line[i]);
	assert_int_equal(fclose(f), 0);
}

static void
dump_free(struct dump *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->line[i]);
	free(d->line);
}

/*
 * The line index of the value of the first audit entry whose sequence
 * number is seq (seq 0: any) and whose value holds the hex digits `hex'
 * (NULL: any), or -1.  Its key line is the one before: 8 bytes,
 * big-endian, in hex; *found gets its sequence number.
 */
static long
dump_find(const struct dump *d, uint64_t seq, const char *hex,
    uint64_t *found)
{
	bool audit = false, data = false;
	uint64_t k;
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (d->line[i] == NULL)
			continue;
		if (strncmp(d->line[i], "database=", 9) == 0)
			audit = strcmp(d->line[i] + 9, "audit") == 0;
		else if (strcmp(d->line[i], "HEADER=END") == 0)
			data = true;
		else if (strcmp(d->line[i], "DATA=END") == 0)
			data = audit = false;
		else if (data && audit && d->line[i][0] == ' ' &&
		    i + 1 < d->n && d->line[i + 1] != NULL) {
			k = strtoull(d->line[i] + 1, NULL, 16);
			if ((seq == 0 || k == seq) && (hex == NULL ||
			    strstr(d->line[i + 1], hex) != NULL)) {
				if (found != NULL)
					*found = k;
				return (long)(i + 1);
			}
			i++; /* skip the value */
		}
	}
	return -1;
}

static long
dump_value(const struct dump *d, uint64_t seq)
{
	return dump_find(d, seq, NULL, NULL);
}

/* "carol" in hex: in the value of the entry of `useradd carol'. */
#define HEX_CAROL "6361726f6c"

/*
 * The sequence number of the `useradd carol' entry, a middle one (entries
 * before it and after it); 0 if no value names carol in the clear.
 */
static uint64_t
carol_entry(const struct dump *d)
{
	uint64_t seq = 0;

	if (dump_find(d, 0, HEX_CAROL, &seq) < 0)
		return 0;
	assert_true(seq > 1);
	assert_true(dump_value(d, seq + 1) > 0);
	return seq;
}

/* Stops the daemon; the audit database of its state, dumped into path. */
static void
stop_and_dump(char *path, size_t pathsz, struct dump *d)
{
	th_path(&T, path, pathsz, "audit.dump");
	assert_int_equal(th_daemon_stop(&T), 0);
	assert_int_equal(run((const char *const[]){ "mdb_dump", "-s", "audit",
	    "-f", path, T.state, NULL }), 0);
	dump_read(d, path);
	/* init, useradd x4: enough to pick from */
	assert_true(dump_value(d, 5) > 0);
}

/* Loads the edited dump over the audit database, restarts, verifies. */
static void
load_and_verify(const char *path, const struct dump *d)
{
	dump_write(d, path);
	assert_int_equal(run((const char *const[]){ "mdb_load", "-s", "audit",
	    "-f", path, T.state, NULL }), 0);
	assert_int_equal(th_daemon_start(&T, NULL, true), 0);
	assert_refused(th_client(&T, 0, "", "audit", "--verify",
	    (char *)NULL));
}

static void
test_audit_edit_detected(void **state)
{
	char path[PATH_MAX], *p;
	struct dump d;
	uint64_t seq;
	long at;

	(void)state;
	th_lmdb_only(&T, "edits the LMDB file with mdb_dump/mdb_load (test_fleet.c edits rows)");
	assert_int_equal(th_client(&T, 0, "", "audit", "--verify",
	    (char *)NULL), 0);
	stop_and_dump(path, sizeof(path), &d);
	/* useradd carol: "carol" becomes "carom" in its value */
	if ((seq = carol_entry(&d)) != 0) {
		at = dump_find(&d, seq, NULL, NULL);
		p = strstr(d.line[at], HEX_CAROL);
		p[9] = 'd';	/* 'l' 0x6c -> 'm' 0x6d */
	} else {
		/* not in the clear: any one byte in the middle of entry 3 */
		assert_true((at = dump_value(&d, seq = 3)) > 0);
		p = d.line[at] + strlen(d.line[at]) / 2;
		*p = *p == '0' ? '1' : '0';
	}
	load_and_verify(path, &d);
	dump_free(&d);
	if (!has_number(T.err, seq))
		fprintf(stderr, "the report does not name entry %" PRIu64
		    ": %s", seq, T.err);
	assert_true(has_number(T.err, seq));
}

static void
test_audit_reorder_detected(void **state)
{
	char path[PATH_MAX], *tmp;
	struct dump d;
	uint64_t seq;
	long a, b;

	(void)state;
	th_lmdb_only(&T, "edits the LMDB file with mdb_dump/mdb_load (test_fleet.c edits rows)");
	stop_and_dump(path, sizeof(path), &d);
	/* useradd carol and the entry after it swap places */
	if ((seq = carol_entry(&d)) == 0)
		seq = 3;
	assert_true((a = dump_value(&d, seq)) > 0);
	assert_true((b = dump_value(&d, seq + 1)) > 0);
	tmp = d.line[a];
	d.line[a] = d.line[b];
	d.line[b] = tmp;
	load_and_verify(path, &d);
	dump_free(&d);
	if (!has_number(T.err, seq))
		fprintf(stderr, "the report does not name entry %" PRIu64
		    ": %s", seq, T.err);
	assert_true(has_number(T.err, seq));
}

static void
test_audit_delete_detected(void **state)
{
	char path[PATH_MAX], fresh[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
	struct dump d;
	uint64_t seq;
	long at;

	(void)state;
	th_lmdb_only(&T, "edits the LMDB file with mdb_dump/mdb_load (test_fleet.c deletes rows)");
	/* the whole environment, without useradd carol, into a fresh one */
	th_path(&T, path, sizeof(path), "all.dump");
	th_path(&T, fresh, sizeof(fresh), "fresh");
	assert_int_equal(th_daemon_stop(&T), 0);
	assert_int_equal(run((const char *const[]){ "mdb_dump", "-a", "-f",
	    path, T.state, NULL }), 0);
	dump_read(&d, path);
	if ((seq = carol_entry(&d)) == 0)
		seq = 3;
	assert_true((at = dump_value(&d, seq)) > 0);
	assert_true(dump_value(&d, seq + 1) > 0);
	free(d.line[at - 1]);
	free(d.line[at]);
	d.line[at - 1] = d.line[at] = NULL;
	dump_write(&d, path);
	dump_free(&d);
	assert_int_equal(mkdir(fresh, 0700), 0);
	assert_int_equal(run((const char *const[]){ "mdb_load", "-f", path,
	    fresh, NULL }), 0);
	/* it replaces the store's data file */
	snprintf(from, sizeof(from), "%s/data.mdb", fresh);
	snprintf(to, sizeof(to), "%s/data.mdb", T.state);
	assert_int_equal(chmod(from, 0600), 0);
	assert_int_equal(rename(from, to), 0);
	snprintf(to, sizeof(to), "%s/lock.mdb", T.state);
	(void)unlink(to);
	assert_int_equal(th_daemon_start(&T, NULL, true), 0);
	/* the accounts came through; the chain did not */
	assert_true(exists("carol"));
	assert_refused(th_client(&T, 0, "", "audit", "--verify",
	    (char *)NULL));
	/* the missing entry, or the first one after the gap */
	if (!has_number(T.err, seq) && !has_number(T.err, seq + 1))
		fprintf(stderr, "the report names neither entry %" PRIu64
		    " nor the next: %s", seq, T.err);
	assert_true(has_number(T.err, seq) || has_number(T.err, seq + 1));
}

/* ------------------------------------------------------------------ */
/* Backup                                                              */
/* ------------------------------------------------------------------ */

static void
copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	assert_true((in = open(from, O_RDONLY)) >= 0);
	assert_true((out = open(to, O_WRONLY | O_CREAT | O_EXCL, mode)) >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	close(in);
	assert_int_equal(close(out), 0);
}

static void
write_text(const char *path, const char *text)
{
	FILE *f;

	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static bool
file_is(const char *path, const char *text)
{
	char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strcmp(buf, text) == 0;
}

static void
test_backup(void **state)
{
	char file[PATH_MAX], old[PATH_MAX], dir[PATH_MAX], path[PATH_MAX];
	json_t *doc, *before, *after;
	size_t nbefore;
	struct stat sb;

	(void)state;
	if (th_pg_on(&T)) {
		/* a database shared by hosts has its own backups */
		th_path(&T, file, sizeof(file), "copy.mdb");
		assert_refused(th_client(&T, 0, "", "backup", file,
		    (char *)NULL));
		assert_non_null(strstr(T.err, "pg_dump"));
		return;
	}
	lock_login("alice");
	assert_ok(th_client(&T, 0, "", "suspend", "mallory", (char *)NULL));
	assert_non_null(before = snap("alice"));
	assert_non_null(doc = audit_doc(0));
	nbefore = json_array_size(json_object_get(doc, "entries"));
	json_decref(doc);
	/* a hot copy while the daemon serves */
	th_path(&T, file, sizeof(file), "copy.mdb");
	assert_ok(th_client(&T, 0, "", "backup", file, (char *)NULL));
	assert_int_equal(stat(file, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	assert_true(sb.st_size > 0);
	/* it holds password hashes: nobody else may read it */
	assert_int_equal(sb.st_mode & 077, 0);
	/* an existing file is refused and left alone */
	th_path(&T, old, sizeof(old), "precious");
	write_text(old, "precious\n");
	assert_refused(th_client(&T, 0, "", "backup", old, (char *)NULL));
	assert_true(file_is(old, "precious\n"));
	assert_refused(th_client(&T, 0, "", "backup", file, (char *)NULL));
	if (th_is_root()) {
		/* root only: a master is refused, in a directory of its own */
		th_path(&T, dir, sizeof(dir), "bossdir");
		assert_int_equal(mkdir(dir, 0700), 0);
		assert_int_equal(chown(dir, TH_UID_BOSS, TH_UID_BOSS), 0);
		snprintf(path, sizeof(path), "%s/copy.mdb", dir);
		assert_refused(th_client(&T, TH_UID_BOSS, "", "backup", path,
		    (char *)NULL));
	}
	/* the copy opens: a second daemon on it sees the same store */
	assert_int_equal(th_daemon_stop(&T), 0);
	th_path(&T, dir, sizeof(dir), "restored");
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	copy_file(file, path, 0600);
	snprintf(T.state, sizeof(T.state), "%s", dir);
	assert_int_equal(th_daemon_start(&T, NULL, true), 0);
	assert_non_null(after = snap("alice"));
	assert_true(json_equal(before, after));
	json_decref(before);
	json_decref(after);
	assert_true(th_field_is(&T, "mallory", "service", "suspended"));
	assert_true(th_field_is(&T, "carol", "role", "admin"));
	assert_int_equal(th_client(&T, 0, "", "audit", "--verify",
	    (char *)NULL), 0);
	assert_non_null(doc = audit_doc(0));
	assert_true(json_array_size(json_object_get(doc, "entries")) >=
	    nbefore);
	assert_true(find_entry(json_object_get(doc, "entries"), 0, "lock",
	    "alice", NULL) >= 0);
	json_decref(doc);
	/* and it serves: the locked login is still refused, unlock works */
	assert_ok(th_client(&T, 0, "", "unlock", "alice", (char *)NULL));
	assert_int_equal(auth("pwtest", "alice", TH_PW_ALICE_LOGIN),
	    PAM_SUCCESS);
}

/* ------------------------------------------------------------------ */
/* Status and list for admins                                          */
/* ------------------------------------------------------------------ */

/* The names in `list --json' run as uid, joined by spaces. */
static void
list_names(uid_t uid, char *out, size_t outsz)
{
	json_t *doc, *v;
	size_t i, len = 0;

	out[0] = '\0';
	assert_ok(th_client(&T, uid, "", "list", "--json", (char *)NULL));
	assert_non_null(doc = json_loads(T.out, 0, NULL));
	json_array_foreach(json_object_get(doc, "accounts"), i, v) {
		len += (size_t)snprintf(out + len, outsz - len, " %s ",
		    str_field(v, "name"));
		if (len >= outsz)
			break;
	}
	json_decref(doc);
}

static void
test_status_and_list_scope(void **state)
{
	char names[1024];

	(void)state;
	if (!th_is_root())
		skip();
	/* an admin sees the users, not the masters, not itself */
	list_names(TH_UID_CAROL, names, sizeof(names));
	assert_non_null(strstr(names, " alice "));
	assert_non_null(strstr(names, " mallory "));
	assert_null(strstr(names, " boss "));
	assert_null(strstr(names, " bob "));
	assert_null(strstr(names, " carol "));
	assert_ok(th_client(&T, TH_UID_CAROL, "", "status", "alice", "--json",
	    (char *)NULL));
	assert_refused(th_client(&T, TH_UID_CAROL, "", "status", "boss",
	    "--json", (char *)NULL));
	/* a master sees everyone else */
	list_names(TH_UID_BOSS, names, sizeof(names));
	assert_non_null(strstr(names, " alice "));
	assert_non_null(strstr(names, " carol "));
	assert_non_null(strstr(names, " bob "));
	assert_null(strstr(names, " boss "));
	/* a user lists nobody */
	assert_refused(th_client(&T, TH_UID_ALICE, "", "list", (char *)NULL));
}

/*
 * An INIT request sent straight to the daemon (not through the client,
 * which refuses non-root on its own) by uid, on an empty store: exits 0
 * when the daemon refused it as root's alone, 1 otherwise.
 */
static int
raw_init_as(uid_t uid)
{
	struct pw_request *req = calloc(1, sizeof(*req));
	struct pw_reply *rep = calloc(1, sizeof(*rep));
	struct conn_trust trust;
	pid_t pid;
	int st, ok;

	assert_non_null(req);
	assert_non_null(rep);
	if ((pid = fork()) == 0) {
		if (setresgid(uid, uid, uid) != 0 ||
		    setresuid(uid, uid, uid) != 0)
			_exit(2);
		req->type = PW_REQ_INIT;
		snprintf(req->user, sizeof(req->user), "bob");
		req->nsecrets = 2;
		if (proto_secret_set(&req->secret[0], "Other-login-pw1") !=
		    PW_OK || proto_secret_set(&req->secret[1],
		    "Other-confirm-pw2") != PW_OK ||
		    conn_trust_default(&trust, getuid(), NULL) != PW_OK ||
		    conn_call(T.sock, &trust, 5000, req, rep) != PW_OK)
			_exit(3);
		ok = rep->status == PW_ERR_PERM &&
		    rep->why.code == PW_R_ROOT_INIT;
		_exit(ok ? 0 : 1);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	free(req);
	free(rep);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * init creates the first master on an empty store only: on a store with
 * accounts, root is refused with one line that says so, and nothing is
 * written.  Anyone but root is refused by the client, and by the daemon
 * itself even on an empty store.
 */
static void
test_init_once(void **state)
{
	(void)state;
	if (!th_is_root())
		skip();
	assert_refused(th_client(&T, 0, "Other-login-pw1\nOther-confirm-pw2\n",
	    "init", "--master", "bob", (char *)NULL));
	assert_non_null(strstr(T.err, "already has accounts"));
	assert_refused(th_client(&T, 0, "", "status", "bob", (char *)NULL));
	assert_true(th_exited(&T, th_client(&T, TH_UID_BOSS,
	    "Other-login-pw1\nOther-confirm-pw2\n", "init", "--master", "bob",
	    (char *)NULL), 1));
	assert_non_null(strstr(T.err, "must be run by root"));
}

/* The daemon's own gate: a non-root INIT on an empty store writes nothing. */
static void
test_init_root_only(void **state)
{
	(void)state;
	if (!th_is_root())
		skip();
	assert_int_equal(raw_init_as(TH_UID_BOSS), 0);
	assert_refused(th_client(&T, 0, "", "status", "bob", (char *)NULL));
	/* and root may still make the first master */
	assert_ok(th_client(&T, 0, "Other-login-pw1\nOther-confirm-pw2\n",
	    "init", "--master", "bob", (char *)NULL));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_matrix_master, teardown),
		cmocka_unit_test_teardown(test_matrix_admin, teardown),
		cmocka_unit_test_teardown(test_matrix_user, teardown),
		cmocka_unit_test_teardown(test_matrix_root, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_confirm_locks_admin,
		    setup_cast, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_confirm_locks_master,
		    setup_cast, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_all_or_nothing,
		    setup_cast, teardown),
		cmocka_unit_test_setup_teardown(test_unlock_all, setup_cast,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reset_marks_and_login,
		    setup_cast, teardown),
		cmocka_unit_test_setup_teardown(test_reset_refusals, setup_cast,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reset_does_not_unlock,
		    setup_cast, teardown),
		cmocka_unit_test_setup_teardown(test_reset_summary_pipe,
		    setup_cast, teardown),
		cmocka_unit_test_setup_teardown(test_reset_summary_tty,
		    setup_cast, teardown),
		cmocka_unit_test_setup_teardown(test_last_master, setup_seeded,
		    teardown),
		cmocka_unit_test_setup_teardown(test_force_needs_root,
		    setup_cast, teardown),
		cmocka_unit_test_setup_teardown(test_audit_log, setup_cast,
		    teardown),
		cmocka_unit_test_setup_teardown(test_audit_refusals,
		    setup_cast, teardown),
		cmocka_unit_test_setup_teardown(test_audit_edit_detected,
		    setup_cast, teardown),
		cmocka_unit_test_setup_teardown(test_audit_reorder_detected,
		    setup_cast, teardown),
		cmocka_unit_test_setup_teardown(test_audit_delete_detected,
		    setup_cast, teardown),
		cmocka_unit_test_setup_teardown(test_backup, setup_cast,
		    teardown),
		cmocka_unit_test_setup_teardown(test_init_once, setup_seeded,
		    teardown),
		cmocka_unit_test_setup_teardown(test_init_root_only,
		    setup_empty, teardown),
		cmocka_unit_test_setup_teardown(test_status_and_list_scope,
		    setup_cast, teardown),
	};
	int rc;

	th_init(&T, argc, argv, services);
	rc = cmocka_run_group_tests_name("integration: administration",
	    tests, NULL, NULL);
	th_cleanup(&T);
	return rc;
}
