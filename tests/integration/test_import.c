/* SPDX-License-Identifier: MIT */
/*
 * pwadmin import (issue 17): Unix accounts come in with the password hash
 * of their shadow entry, and log in through real PAM calls with the
 * password they had; the first success replaces the hash with Argon2id.
 * Hashes are made here with libxcrypt (crypt_gensalt_rn, crypt_rn) and
 * written into a shadow(5) file given with --shadow, or into the shadow
 * database nss_wrapper serves to the client (getspnam).  The accounts
 * dave, erin and frank exist in the user database only (nss_wrapper),
 * with the group staff (dave and erin members, frank's primary group).
 */
#include <sys/stat.h>
#include <crypt.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <security/pam_appl.h>
#include <libpamtest.h>

#include "harness.h"

static struct th T;

static const char *const services[] = {
	"pwtest|socket=@DIR@/sock",
	"pwconfirm|socket=@DIR@/sock factor=confirm",
	NULL,
};

#define DAVE_PW	     "Dave-unix-pw1"
#define ERIN_PW	     "Erin-unix-pw1"
#define FRANK_PW     "Frank-unix-pw1"
#define CONFIRM_PW   "Fresh-confirm-pw2"
#define CONFIRM2_PW  "Other-confirm-pw3"
#define CONFIRM3_PW  "Third-confirm-pw4"
/* bcrypt at cost 15 of DAVE_PW: within the cost bound, over the time one */
#define BCRYPT15_DAVE \
	"$2b$15$IGiGeI62F9CuBKipXMLrO.pHLDWUmvniXfZtbgw3sfv1putCBA.Pu"
#define STAFF_GID    3000
#define DAVE_UID     3001
#define ERIN_UID     3002
#define FRANK_UID    3003

/* A crypt(3) hash of pw with a new salt of `prefix' ("$y$", "$6$", ...). */
static void
unix_hash(const char *prefix, const char *pw, char *out, size_t outsz)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;
	const char *h;

	memset(&cd, 0, sizeof(cd));
	assert_non_null(crypt_gensalt_rn(prefix, 0, NULL, 0, salt,
	    sizeof(salt)));
	h = crypt_rn(pw, salt, &cd, (int)sizeof(cd));
	assert_non_null(h);
	assert_true(h[0] != '*');
	assert_true(strlen(h) < outsz);
	snprintf(out, outsz, "%s", h);
	/* no log line may hold a password hash either (tests/run.sh) */
	th_note_secret(out);
}

/* Writes DIR/name with the given shadow(5) lines. */
static void
write_shadow(const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	th_path(&T, path, sizeof(path), name);
	assert_non_null(f = fopen(path, "w"));
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	/* root's, writable by root alone, as the client wants a shadow file */
	assert_int_equal(chmod(path, 0600), 0);
}

/* One shadow line: name, hash, last change (days; 0 = change now). */
static void
shadow_line(char *buf, size_t sz, const char *name, const char *hash,
    long lastchg)
{
	size_t n = strlen(buf);

	snprintf(buf + n, sz - n, "%s:%s:%ld:0:99999:7:::\n", name, hash,
	    lastchg);
}

/* The users and the group only this test uses (before any lookup). */
static void
add_unix_users(void)
{
	char path[PATH_MAX], line[512];
	FILE *f;

	th_path(&T, path, sizeof(path), "passwd");
	assert_non_null(f = fopen(path, "a"));
	snprintf(line, sizeof(line),
	    "dave:x:%d:%d:Imported:/tmp:/bin/sh\n"
	    "erin:x:%d:%d:Imported:/tmp:/bin/sh\n"
	    "frank:x:%d:%d:Imported:/tmp:/bin/sh\n",
	    DAVE_UID, DAVE_UID, ERIN_UID, ERIN_UID, FRANK_UID, STAFF_GID);
	assert_true(fputs(line, f) >= 0);
	assert_int_equal(fclose(f), 0);
	th_path(&T, path, sizeof(path), "group");
	assert_non_null(f = fopen(path, "a"));
	snprintf(line, sizeof(line), "dave:x:%d:\nerin:x:%d:\n"
	    "staff:x:%d:erin,dave\nempty:x:3999:\nwheel:x:3998:root,dave\n",
	    DAVE_UID, ERIN_UID, STAFF_GID);
	assert_true(fputs(line, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/*
 * An imported hash may use at most argon2_mem_kib (the daemon's bound on
 * a hash's memory): 16 MiB here, what yescrypt takes at Debian's default
 * cost, instead of the tests' usual 64 KiB.
 */
static int
setup(void **state)
{
	(void)state;
	return th_start_seeded(&T, "max_login_failures = 3\n"
	    "argon2_mem_kib = 16384\n");
}

static int
teardown(void **state)
{
	char path[PATH_MAX];

	(void)state;
	th_path(&T, path, sizeof(path), "shadow");
	(void)unlink(path);
	return th_daemon_stop(&T) == 0 ? 0 : -1;
}

/* `import ARGS... --shadow DIR/file' as root, `input' on stdin. */
static int
import_file(const char *input, const char *user, const char *more)
{
	char path[PATH_MAX];

	th_path(&T, path, sizeof(path), "file.shadow");
	if (more != NULL)
		return th_client(&T, 0, input, "import", user, more,
		    "--shadow", path, (char *)NULL);
	return th_client(&T, 0, input, "import", user, "--shadow", path,
	    (char *)NULL);
}

/* Is `user' absent from the store (status: no such account)? */
static bool
not_in_store(const char *user)
{
	int rc = th_client(&T, 0, "", "status", user, (char *)NULL);

	return rc == 1 && strstr(T.err, "No account named") != NULL;
}

static bool
must_change_has(const char *user, const char *factor)
{
	json_t *j = th_status(&T, user), *m;
	size_t i;
	bool found = false;

	if (j == NULL)
		return false;
	m = json_object_get(j, "must_change");
	for (i = 0; i < json_array_size(m); i++)
		if (strcmp(json_string_value(json_array_get(m, i)), factor) == 0)
			found = true;
	json_decref(j);
	return found;
}

static bool
imported(const char *user)
{
	json_t *j = th_status(&T, user);
	bool v;

	assert_non_null(j);
	v = json_is_true(json_object_get(j, "login_imported"));
	assert_true(v || json_is_false(json_object_get(j, "login_imported")));
	json_decref(j);
	return v;
}

/*
 * A yescrypt hash from --shadow: dave logs in with his Unix password;
 * the confirmation password root issued must be changed; the stored hash
 * is Argon2id afterwards, and the same password still logs in.
 */
static void
test_yescrypt_login(void **state)
{
	const int ops[] = { PAMTEST_AUTHENTICATE, PAMTEST_ACCOUNT };
	const int newtok[] = { PAM_SUCCESS, PAM_NEW_AUTHTOK_REQD };
	char hash[256], sh[1024] = "", msg[1024];
	long long before;
	json_t *doc, *a;
	int rc;

	(void)state;
	unix_hash("$y$", DAVE_PW, hash, sizeof(hash));
	shadow_line(sh, sizeof(sh), "dave", hash, 19000);
	write_shadow("file.shadow", sh);
	rc = import_file(CONFIRM_PW "\n", "dave", "--json");
	assert_true(th_exited(&T, rc, 0));
	assert_non_null(doc = json_loads(T.out, 0, NULL));
	a = json_array_get(json_object_get(doc, "accounts"), 0);
	assert_string_equal(json_string_value(json_object_get(a, "name")),
	    "dave");
	assert_string_equal(json_string_value(json_object_get(a, "role")),
	    "user");
	assert_true(json_is_true(json_object_get(a, "login_imported")));
	json_decref(doc);
	assert_true(imported("dave"));
	assert_true(must_change_has("dave", "confirm"));
	assert_false(must_change_has("dave", "login"));
	/* the text of status says so too */
	rc = th_client(&T, 0, "", "status", "dave", (char *)NULL);
	assert_true(th_exited(&T, rc, 0));
	assert_non_null(strstr(T.out, "login_imported: yes"));

	before = th_stat(&T, "hashes_new");
	assert_int_equal(th_pam("pwtest", "dave", DAVE_PW, ops, newtok, 2, msg,
	    sizeof(msg)), 2);
	assert_false(imported("dave"));
	assert_int_equal(th_stat(&T, "hashes_new"), before + 1);
	rc = th_client(&T, 0, "", "status", "dave", (char *)NULL);
	assert_null(strstr(T.out, "login_imported"));
	/* the Argon2id hash that replaced it verifies the same password */
	assert_int_equal(th_pam_auth("pwtest", "dave", DAVE_PW, msg,
	    sizeof(msg)), PAM_SUCCESS);
	assert_int_equal(th_pam_auth_nodelay("pwtest", "dave", ERIN_PW, msg,
	    sizeof(msg)), PAM_AUTH_ERR);
	/* the audit log has the import, with its scheme */
	rc = th_client(&T, 0, "", "audit", (char *)NULL);
	assert_true(th_exited(&T, rc, 0));
	assert_non_null(strstr(T.out, "kept from a yescrypt Unix hash"));
}

/* Wrong passwords against an imported hash count, and lock (rule 1). */
static void
test_wrong_counts_and_locks(void **state)
{
	char hash[256], sh[1024] = "", msg[1024];
	int rc;

	(void)state;
	unix_hash("$y$", DAVE_PW, hash, sizeof(hash));
	shadow_line(sh, sizeof(sh), "dave", hash, 19000);
	write_shadow("file.shadow", sh);
	rc = import_file(CONFIRM_PW "\n", "dave", NULL);
	assert_true(th_exited(&T, rc, 0));
	assert_non_null(strstr(T.out, "Imported dave with role user"));
	assert_int_equal(th_pam_auth_nodelay("pwtest", "dave", "Wrong-pw-123",
	    msg, sizeof(msg)), PAM_AUTH_ERR);
	assert_int_equal(th_field(&T, "dave", "login_failures"), 1);
	assert_int_equal(th_pam_auth_nodelay("pwtest", "dave", "Wrong-pw-124",
	    msg, sizeof(msg)), PAM_AUTH_ERR);
	assert_int_equal(th_pam_auth_nodelay("pwtest", "dave", "Wrong-pw-125",
	    msg, sizeof(msg)), PAM_MAXTRIES);
	assert_true(th_field_is(&T, "dave", "login", "locked"));
	/* locked: the right password is refused too, and the hash stays */
	assert_int_equal(th_pam_auth_nodelay("pwtest", "dave", DAVE_PW, msg,
	    sizeof(msg)), PAM_MAXTRIES);
	assert_true(imported("dave"));
	/* an admin's unlock, then the old password works */
	rc = th_client(&T, 0, "", "unlock", "dave", (char *)NULL);
	assert_true(th_exited(&T, rc, 0));
	assert_int_equal(th_pam_auth("pwtest", "dave", DAVE_PW, msg,
	    sizeof(msg)), PAM_SUCCESS);
	assert_false(imported("dave"));
}

/*
 * sha512crypt, bcrypt and md5crypt (weak, still verified), three
 * accounts in one command, a confirmation password each in order.
 */
static void
test_other_schemes(void **state)
{
	char h1[256], h2[256], h3[256], sh[2048] = "", msg[1024], path[PATH_MAX];
	int rc;

	(void)state;
	unix_hash("$6$", DAVE_PW, h1, sizeof(h1));
	unix_hash("$2b$", ERIN_PW, h2, sizeof(h2));
	unix_hash("$1$", FRANK_PW, h3, sizeof(h3));
	shadow_line(sh, sizeof(sh), "dave", h1, 19000);
	shadow_line(sh, sizeof(sh), "erin", h2, 19000);
	shadow_line(sh, sizeof(sh), "frank", h3, 19000);
	write_shadow("file.shadow", sh);
	th_path(&T, path, sizeof(path), "file.shadow");
	rc = th_client(&T, 0, CONFIRM_PW "\n" CONFIRM2_PW "\n" CONFIRM3_PW "\n",
	    "import", "dave", "erin", "frank", "--role", "admin", "--shadow",
	    path, (char *)NULL);
	assert_true(th_exited(&T, rc, 0));
	assert_true(th_field_is(&T, "erin", "role", "admin"));
	assert_int_equal(th_pam_auth("pwtest", "dave", DAVE_PW, msg,
	    sizeof(msg)), PAM_SUCCESS);
	assert_int_equal(th_pam_auth("pwtest", "erin", ERIN_PW, msg,
	    sizeof(msg)), PAM_SUCCESS);
	assert_int_equal(th_pam_auth("pwtest", "frank", FRANK_PW, msg,
	    sizeof(msg)), PAM_SUCCESS);
	assert_false(imported("dave"));
	assert_false(imported("erin"));
	assert_false(imported("frank"));
	/* each got the confirmation password given for it, in order */
	assert_int_equal(th_pam_auth("pwconfirm", "dave", CONFIRM_PW, msg,
	    sizeof(msg)), PAM_SUCCESS);
	assert_int_equal(th_pam_auth("pwconfirm", "erin", CONFIRM2_PW, msg,
	    sizeof(msg)), PAM_SUCCESS);
	assert_int_equal(th_pam_auth("pwconfirm", "frank", CONFIRM3_PW, msg,
	    sizeof(msg)), PAM_SUCCESS);
}

/* Each unusable entry is refused with its own line; nothing imported. */
static void
test_refusals(void **state)
{
	static const struct {
		const char *hash;
		const char *words;
	} bad[] = {
		{ "!$y$j9T$abc$def", "locked Unix password" },
		{ "*", "no usable Unix password" },
		{ "", "empty Unix password" },
		{ "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
		  "($argon2id$) is of a scheme this host cannot verify" },
		{ "$9$abc$def", "($9$) is of a scheme" },
		{ "$6$saltsalt$short", "($6$) is not a whole hash" },
	};
	char sh[1024], empty[256];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sh[0] = '\0';
		shadow_line(sh, sizeof(sh), "dave", bad[i].hash, 19000);
		write_shadow("file.shadow", sh);
		rc = import_file(CONFIRM_PW "\n", "dave", NULL);
		if (!th_exited(&T, rc, 1) || strstr(T.err, bad[i].words) == NULL)
			fail_msg("entry %zu: want \"%s\", got: %s", i,
			    bad[i].words, T.err);
		assert_true(not_in_store("dave"));
	}
	/* the hash of an empty password is refused as empty */
	unix_hash("$y$", "", empty, sizeof(empty));
	sh[0] = '\0';
	shadow_line(sh, sizeof(sh), "dave", empty, 19000);
	write_shadow("file.shadow", sh);
	rc = import_file(CONFIRM_PW "\n", "dave", NULL);
	assert_true(th_exited(&T, rc, 1));
	assert_non_null(strstr(T.err, "empty Unix password"));
	assert_true(not_in_store("dave"));
}

/* One refused account leaves every account of the command out. */
static void
test_all_or_nothing(void **state)
{
	char hash[256], sh[1024] = "", path[PATH_MAX];
	int rc;

	(void)state;
	unix_hash("$y$", DAVE_PW, hash, sizeof(hash));
	shadow_line(sh, sizeof(sh), "dave", hash, 19000);
	shadow_line(sh, sizeof(sh), "erin", "!", 19000);
	write_shadow("file.shadow", sh);
	th_path(&T, path, sizeof(path), "file.shadow");
	rc = th_client(&T, 0, CONFIRM_PW "\n", "import", "dave", "erin",
	    "--shadow", path, (char *)NULL);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(T.err, "erin has a locked Unix password"));
	assert_non_null(strstr(T.err, "nothing was imported"));
	assert_true(not_in_store("dave"));
	assert_true(not_in_store("erin"));

	/* the daemon's check refuses frank's confirmation password (too
	 * short) after dave passed his: dave is not imported either */
	sh[0] = '\0';
	shadow_line(sh, sizeof(sh), "dave", hash, 19000);
	shadow_line(sh, sizeof(sh), "frank", hash, 19000);
	write_shadow("file.shadow", sh);
	rc = th_client(&T, 0, CONFIRM_PW "\nShort1\n", "import", "dave",
	    "frank", "--shadow", path, (char *)NULL);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(T.err, "confirmation password refused"));
	assert_true(not_in_store("dave"));
	assert_true(not_in_store("frank"));
}

/* Not a Unix account, no shadow entry, already in the store. */
static void
test_names_refused(void **state)
{
	char hash[256], sh[1024] = "";
	int rc;

	(void)state;
	unix_hash("$y$", DAVE_PW, hash, sizeof(hash));
	shadow_line(sh, sizeof(sh), "zed", hash, 19000);
	shadow_line(sh, sizeof(sh), "alice", hash, 19000);
	write_shadow("file.shadow", sh);
	rc = import_file(CONFIRM_PW "\n", "zed", NULL);
	assert_true(th_exited(&T, rc, 1));
	assert_non_null(strstr(T.err, "zed is not an account of this host's "
	    "user database"));
	rc = import_file(CONFIRM_PW "\n", "erin", NULL);
	assert_true(th_exited(&T, rc, 1));
	assert_non_null(strstr(T.err, "erin has no entry in"));
	rc = import_file(CONFIRM_PW "\n", "alice", NULL);
	assert_true(th_exited(&T, rc, 1));
	assert_non_null(strstr(T.err, "The account alice already exists"));
	/* a shadow file others may write: they would choose the hashes */
	{
		char path[PATH_MAX];

		th_path(&T, path, sizeof(path), "file.shadow");
		assert_int_equal(chmod(path, 0664), 0);
		rc = import_file(CONFIRM_PW "\n", "erin", NULL);
		assert_true(th_exited(&T, rc, 1));
		assert_non_null(strstr(T.err, "writable by no one else"));
		assert_int_equal(chmod(path, 0644), 0);
	}
	/* alice keeps her own passwords */
	assert_false(imported("alice"));
	/* root only */
	rc = th_client(&T, TH_UID_MALLORY, CONFIRM_PW "\n", "import", "dave",
	    (char *)NULL);
	if (th_is_root()) {
		assert_true(th_exited(&T, rc, 1));
		assert_non_null(strstr(T.err, "must be run by root"));
	}
	/* usage */
	rc = th_client(&T, 0, "", "import", (char *)NULL);
	assert_true(th_exited(&T, rc, 2));
	rc = th_client(&T, 0, "", "import", "dave", "--all-in-group", "staff",
	    (char *)NULL);
	assert_true(th_exited(&T, rc, 2));
}

/*
 * --all-in-group: the members (erin, dave) and the users whose primary
 * group it is (frank), from the system's shadow database (getspnam);
 * frank's entry says "change at next login" (last change 0).
 */
static void
test_group_from_system_shadow(void **state)
{
	char h1[256], h2[256], h3[256], sh[2048] = "", msg[1024];
	int rc;

	(void)state;
	unix_hash("$y$", DAVE_PW, h1, sizeof(h1));
	unix_hash("$6$", ERIN_PW, h2, sizeof(h2));
	unix_hash("$y$", FRANK_PW, h3, sizeof(h3));
	shadow_line(sh, sizeof(sh), "dave", h1, 19000);
	shadow_line(sh, sizeof(sh), "erin", h2, 19000);
	shadow_line(sh, sizeof(sh), "frank", h3, 0);
	write_shadow("shadow", sh);
	/* erin first: the group's own order, then the primary members */
	rc = th_client(&T, 0, CONFIRM2_PW "\n" CONFIRM_PW "\n" CONFIRM3_PW "\n",
	    "import", "--all-in-group", "staff", (char *)NULL);
	assert_true(th_exited(&T, rc, 0));
	assert_true(strstr(T.out, "erin") < strstr(T.out, "dave"));
	assert_true(strstr(T.out, "dave") < strstr(T.out, "frank"));
	assert_true(must_change_has("frank", "login"));
	assert_false(must_change_has("dave", "login"));
	assert_int_equal(th_pam_auth("pwtest", "erin", ERIN_PW, msg,
	    sizeof(msg)), PAM_SUCCESS);
	assert_int_equal(th_pam_auth("pwtest", "frank", FRANK_PW, msg,
	    sizeof(msg)), PAM_SUCCESS);
	/* an empty group, an unknown one */
	rc = th_client(&T, 0, "", "import", "--all-in-group", "empty",
	    (char *)NULL);
	assert_true(th_exited(&T, rc, 1));
	assert_non_null(strstr(T.err, "has no members"));
	rc = th_client(&T, 0, "", "import", "--all-in-group", "nosuch",
	    (char *)NULL);
	assert_true(th_exited(&T, rc, 1));
	assert_non_null(strstr(T.err, "no group named nosuch"));
}

/* A hash of a known scheme made costlier than its one in `good'. */
static void
costlier(const char *good, const char *from, const char *to, char *out,
    size_t outsz)
{
	const char *at = strstr(good, from);

	assert_non_null(at);
	snprintf(out, outsz, "%.*s%s%s", (int)(at - good), good, to,
	    at + strlen(from));
}

/*
 * Every later login hashes an imported hash again: one whose cost is
 * beyond the daemon's bounds is refused, by its parameters before any
 * hash (yescrypt's memory, bcrypt's cost, sha512crypt's rounds) or by
 * the time its check took (bcrypt at cost 15, about 2 s here).
 */
static void
test_costly_refused(void **state)
{
	char y[256], b[256], s6[256], bad[256], sh[1024];
	const char *const want = "costs more memory or time";
	size_t i;
	int rc;

	(void)state;
	unix_hash("$y$", DAVE_PW, y, sizeof(y));
	assert_int_equal(strncmp(y, "$y$j9T$", 7), 0);
	unix_hash("$2b$", DAVE_PW, b, sizeof(b));
	unix_hash("$6$", DAVE_PW, s6, sizeof(s6));
	for (i = 0; i < 4; i++) {
		if (i == 0)	/* 1 GiB, over argon2_mem_kib */
			costlier(y, "$j9T$", "$jFT$", bad, sizeof(bad));
		else if (i == 1)
			costlier(b, "$05$", "$17$", bad, sizeof(bad));
		else if (i == 2)
			costlier(s6, "$6$", "$6$rounds=9999999$", bad,
			    sizeof(bad));
		else	/* made once with crypt_gensalt_rn("$2b$", 15, ...):
			 * 2 s to make, as long as the check it fails */
			snprintf(bad, sizeof(bad), "%s", BCRYPT15_DAVE);
		th_note_secret(bad);
		sh[0] = '\0';
		shadow_line(sh, sizeof(sh), "dave", bad, 19000);
		write_shadow("file.shadow", sh);
		rc = import_file(CONFIRM_PW "\n", "dave", NULL);
		if (!th_exited(&T, rc, 1) || strstr(T.err, want) == NULL)
			fail_msg("case %zu: %s", i, T.err);
		assert_true(not_in_store("dave"));
	}
	/* the Debian default (yescrypt j9T) is within them: dave is in */
	sh[0] = '\0';
	shadow_line(sh, sizeof(sh), "dave", y, 19000);
	write_shadow("file.shadow", sh);
	rc = import_file(CONFIRM_PW "\n", "dave", NULL);
	assert_true(th_exited(&T, rc, 0));
}

/*
 * What pam_unix would refuse stays out (an expired account, a password
 * expired past its inactive days); a password past its maximum age, or
 * of a weak scheme, comes in marked must-change; uid 0 never comes in;
 * and a refusal never quotes more than a hash's prefix.
 */
static void
test_shadow_ageing_root_weak(void **state)
{
	char y[256], md5[256], sh[1024], day[32];
	long today = (long)(time(NULL) / 86400);
	int rc;

	(void)state;
	unix_hash("$y$", DAVE_PW, y, sizeof(y));
	/* chage -E 1: expired on 1970-01-02 */
	snprintf(sh, sizeof(sh), "dave:%s:19000:0:99999:7::1:\n", y);
	write_shadow("file.shadow", sh);
	rc = import_file(CONFIRM_PW "\n", "dave", NULL);
	assert_true(th_exited(&T, rc, 1));
	assert_non_null(strstr(T.err, "expired on 1970-01-02"));
	/* 20 days old, a maximum of 10 and 5 inactive days: locked by Unix */
	snprintf(sh, sizeof(sh), "dave:%s:%ld:0:10:7:5::\n", y, today - 20);
	write_shadow("file.shadow", sh);
	rc = import_file(CONFIRM_PW "\n", "dave", NULL);
	assert_true(th_exited(&T, rc, 1));
	assert_non_null(strstr(T.err, "inactive"));
	assert_true(not_in_store("dave"));
	/* no inactive days: in, and the login password must change */
	snprintf(sh, sizeof(sh), "dave:%s:%ld:0:10:7:::\n", y, today - 20);
	write_shadow("file.shadow", sh);
	rc = import_file(CONFIRM_PW "\n", "dave", NULL);
	assert_true(th_exited(&T, rc, 0));
	assert_true(must_change_has("dave", "login"));

	/* md5crypt: in, marked, and the audit entry says weak */
	unix_hash("$1$", ERIN_PW, md5, sizeof(md5));
	snprintf(sh, sizeof(sh), "erin:%s:%ld:0:99999:7:::\n", md5, today);
	write_shadow("file.shadow", sh);
	rc = import_file(CONFIRM_PW "\n", "erin", NULL);
	assert_true(th_exited(&T, rc, 0));
	assert_true(must_change_has("erin", "login"));
	rc = th_client(&T, 0, "", "audit", (char *)NULL);
	assert_non_null(strstr(T.out, "kept from a weak md5crypt Unix hash"));

	/* root, named or in a group, never */
	snprintf(sh, sizeof(sh), "root:%s:19000:0:99999:7:::\n", y);
	write_shadow("file.shadow", sh);
	rc = import_file(CONFIRM_PW "\n", "root", NULL);
	assert_true(th_exited(&T, rc, 1));
	assert_non_null(strstr(T.err, "user ID 0"));
	assert_true(not_in_store("root"));

	/* a password typed into the hash field: refused as descrypt that is
	 * not whole, and none of it is shown */
	snprintf(sh, sizeof(sh), "frank:Secretpass9:19000:0:99999:7:::\n");
	write_shadow("file.shadow", sh);
	rc = import_file(CONFIRM_PW "\n", "frank", NULL);
	assert_true(th_exited(&T, rc, 1));
	assert_non_null(strstr(T.err, "(descrypt)"));
	assert_null(strstr(T.err, "Se"));
	(void)day;
}

/* --all-in-group leaves uid 0 out, and says so. */
static void
test_group_leaves_root_out(void **state)
{
	char y[256], sh[1024], path[PATH_MAX];
	int rc;

	(void)state;
	unix_hash("$y$", DAVE_PW, y, sizeof(y));
	sh[0] = '\0';
	shadow_line(sh, sizeof(sh), "root", y, 19000);
	shadow_line(sh, sizeof(sh), "dave", y, 19000);
	write_shadow("file.shadow", sh);
	th_path(&T, path, sizeof(path), "file.shadow");
	rc = th_client(&T, 0, CONFIRM_PW "\n", "import", "--all-in-group",
	    "wheel", "--shadow", path, (char *)NULL);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(T.err, "root has user ID 0 and is left out"));
	assert_non_null(strstr(T.out, "Imported dave"));
	assert_true(not_in_store("root"));
}

/* The confirmation password may not be the Unix (login) password. */
static void
test_confirm_not_login(void **state)
{
	char hash[256], sh[1024] = "";
	int rc;

	(void)state;
	/* (a password that passes rule 10 as a confirmation password) */
	unix_hash("$y$", "Plain-secret-77", hash, sizeof(hash));
	shadow_line(sh, sizeof(sh), "dave", hash, 19000);
	write_shadow("file.shadow", sh);
	rc = import_file("Plain-secret-77\n", "dave", NULL);
	assert_true(th_exited(&T, rc, 1));
	assert_non_null(strstr(T.err, "must differ from the login password"));
	assert_true(not_in_store("dave"));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_yescrypt_login, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wrong_counts_and_locks,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_schemes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_or_nothing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_names_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_group_from_system_shadow,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_confirm_not_login, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_costly_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_shadow_ageing_root_weak,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_leaves_root_out,
		    setup, teardown),
	};
	int rc;

	th_init(&T, argc, argv, services);
	add_unix_users();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	th_cleanup(&T);
	return rc;
}
