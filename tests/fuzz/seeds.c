/* SPDX-License-Identifier: MIT */
/* Writes the fuzzers' seed corpora (DIR/NAME/...) with the project's own
 * encoders and a real store, so that they can be made again: make
 * fuzz-seeds.  Other files in DIR (regressions) are left alone. */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The only file here that reads LMDB itself: the records' raw bytes. */
#include <lmdb.h>

#include "proto.h"
#include "pwerr.h"
#include "store.h"
#include "store_codec.h"
#include "wire.h"

#define SEED_MAX 16384 /* bytes of one seed */

enum { SEL_USER, SEL_HISTORY, SEL_OTP, SEL_AUDIT }; /* fuzz_store.c's */

static const char *outdir;
static uint8_t buf[SEED_MAX];

static void
fail(const char *what, int r)
{
	fprintf(stderr, "fuzz-seeds: %s: %s\n", what,
	    r != 0 ? pw_strerror(r) : strerror(errno));
	exit(1);
}

/* Writes n bytes of p as outdir/name/file. */
static void
put_seed(const char *name, const char *file, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", outdir, name);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		fail(path, 0);
	(void)snprintf(path, sizeof(path), "%s/%s/%s", outdir, name, file);
	if ((f = fopen(path, "wb")) == NULL)
		fail(path, 0);
	if ((n > 0 && fwrite(p, n, 1, f) != 1) || fclose(f) != 0)
		fail(path, 0);
}

static void
secret(struct pw_secret *s, const char *text)
{
	int r;

	if ((r = proto_secret_set(s, text)) != PW_OK)
		fail("secret", r);
}

/* Flags that make sense for each type (any known bit decodes). */
static uint32_t
req_flags(uint8_t type)
{
	switch (type) {
	case PW_REQ_LIST:
		return PW_F_LOCKED_ONLY;
	case PW_REQ_SUSPEND:
	case PW_REQ_USERDEL:
	case PW_REQ_ROLE:
		return PW_F_FORCE;
	case PW_REQ_RESET:
		return PW_F_LOGIN | PW_F_CONFIRM;
	case PW_REQ_PASSWD:
		return PW_F_LOGIN;
	case PW_REQ_IMPORT:
		return PW_F_CHECK | PW_F_LOGIN;
	default:
		return 0;
	}
}

/*
 * One request seed: the type byte, then its payload.  The number of
 * secrets a type carries is the schema's: the one the encoder takes.
 */
static void
put_request(struct pw_request *req, const char *file)
{
	struct wire w;
	uint32_t n;
	int r = PW_ERR_INVAL;

	for (n = 0; n <= PW_SECRETS_MAX && r == PW_ERR_INVAL; n++) {
		req->nsecrets = n;
		buf[0] = req->type;
		wire_init(&w, buf + 1, sizeof(buf) - 1);
		r = proto_encode_req(&w, req);
	}
	if (r != PW_OK)
		fail(file, r);
	put_seed("proto_req", file, buf, w.len + 1);
}

static void
requests(void)
{
	static const char *const pw[PW_SECRETS_MAX] = { "correct horse 1",
		"Battery-staple-2", "tr0ub4dor&3", "pässwört 4" };
	struct pw_request req;
	char file[64];
	uint8_t t;
	unsigned i;

	for (t = 1; t <= PW_REQ_TYPE_MAX; t++) {
		memset(&req, 0, sizeof(req));
		req.type = t;
		req.factor = PW_FACTOR_CONFIRM;
		req.role = PW_ROLE_ADMIN;
		req.flags = req_flags(t);
		memcpy(req.user, "alice", sizeof("alice"));
		memcpy(req.service, "sshd", sizeof("sshd"));
		memcpy(req.rhost, "192.0.2.7", sizeof("192.0.2.7"));
		memcpy(req.cursor, "bob", sizeof("bob"));
		req.ntargets = 2;
		memcpy(req.targets[0], "bob", sizeof("bob"));
		memcpy(req.targets[1], "carol.x@example", sizeof("carol.x@example"));
		req.since = 1767225600;
		req.after = 41;
		for (i = 0; i < PW_SECRETS_MAX; i++)
			secret(&req.secret[i], pw[i]);
		(void)snprintf(file, sizeof(file), "%s", proto_req_name(t));
		put_request(&req, file);
		proto_wipe_req(&req);
	}
	/* unlock --all as root: no target, an empty confirmation */
	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_UNLOCK;
	req.flags = PW_F_ALL;
	put_request(&req, "unlock-all-root");
	/* a one-time password */
	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_OTP_VERIFY;
	memcpy(req.user, "bob", sizeof("bob"));
	memcpy(req.service, "login", sizeof("login"));
	secret(&req.secret[0], "123456");
	put_request(&req, "otp-verify-code");
}

static void
put_reply(const struct pw_reply *rep, const char *file)
{
	struct wire w;
	int r;

	buf[0] = rep->type;
	wire_init(&w, buf + 1, sizeof(buf) - 1);
	if ((r = proto_encode_reply(&w, rep)) != PW_OK)
		fail(file, r);
	put_seed("proto_reply", file, buf, w.len + 1);
}

static void
account(struct pw_account *a, const char *name, uint8_t role, uint32_t fails)
{
	(void)snprintf(a->name, sizeof(a->name), "%s", name);
	a->role = role;
	a->login_failures = fails;
	a->login_locked = fails >= 5;
	a->otp = PW_OTP_AVAILABLE;
	a->must_change = PW_MUST_CONFIRM;
	a->login_expires = 1775001600;
}

static void
audit_entry(struct pw_audit *e, uint64_t seq, const char *action,
    const char *target, int status)
{
	size_t i;

	e->seq = seq;
	e->time = 1767225600 + (int64_t)seq;
	e->uid = 0;
	(void)snprintf(e->actor, sizeof(e->actor), "root");
	(void)snprintf(e->action, sizeof(e->action), "%s", action);
	(void)snprintf(e->target, sizeof(e->target), "%s", target);
	e->status = status;
	(void)snprintf(e->detail, sizeof(e->detail), "recovery by root, %s",
	    action);
	for (i = 0; i < PW_AUDIT_HASH; i++)
		e->hash[i] = (uint8_t)(seq * 31 + i);
}

static void
replies(void)
{
	static struct pw_reply rep;
	unsigned i;

	memset(&rep, 0, sizeof(rep));
	rep.type = PW_REQ_AUTH | PW_REPLY;
	put_reply(&rep, "auth-ok");
	/* a verified password, with the account verdict (must change) */
	rep.acct_given = true;
	rep.acct_status = PW_ERR_CHANGE;
	rep.acct_why = (struct pw_why){ .code = PW_R_MUST_CHANGE, .factor = 0 };
	rep.acct_note = (struct pw_why){ .code = PW_R_EXPIRES_IN, .factor = 1,
	    .num = 3 };
	put_reply(&rep, "auth-ok-verdict");
	memset(&rep, 0, sizeof(rep));
	rep.type = PW_REQ_AUTH | PW_REPLY;
	rep.why = (struct pw_why){ .code = PW_R_LOCKED, .factor = 0 };
	rep.note = (struct pw_why){ .code = PW_R_RESET_KEEPS_LOCK,
	    .name = "alice" };
	rep.status = PW_ERR_LOCKED;
	put_reply(&rep, "auth-locked");

	memset(&rep, 0, sizeof(rep));
	rep.type = PW_REQ_LIST | PW_REPLY;
	rep.more = 1;
	rep.naccts = 3;
	account(&rep.accts[0], "alice", PW_ROLE_USER, 5);
	account(&rep.accts[1], "bob", PW_ROLE_MASTER, 0);
	account(&rep.accts[2], "carol.x@example", PW_ROLE_ADMIN, 2);
	rep.accts[2].suspended = true;
	put_reply(&rep, "list-page");

	memset(&rep, 0, sizeof(rep));
	rep.type = PW_REQ_STATS | PW_REPLY;
	rep.nstats = PW_STAT_COUNT;
	for (i = 0; i < rep.nstats; i++)
		rep.stats[i] = (uint64_t)i * 1000003u;
	put_reply(&rep, "stats");

	memset(&rep, 0, sizeof(rep));
	rep.type = PW_REQ_AUDIT | PW_REPLY;
	rep.naudit = 2;
	audit_entry(&rep.audit[0], 7, "unlock", "alice", PW_OK);
	audit_entry(&rep.audit[1], 8, "userdel", "bob", PW_ERR_LASTMASTER);
	put_reply(&rep, "audit-page");

	memset(&rep, 0, sizeof(rep));
	rep.type = PW_REQ_OTP_ENROLL | PW_REPLY;
	(void)snprintf(rep.uri, sizeof(rep.uri), "otpauth://totp/pwadmin:"
	    "alice?secret=JBSWY3DPEHPK3PXP&issuer=pwadmin");
	put_reply(&rep, "otp-enroll");
}

/* One store seed: selector, key length, key, value. */
static void
put_record(uint8_t sel, const void *key, size_t klen, const void *val,
    size_t vlen, const char *file)
{
	if (klen > 255 || 2 + klen + vlen > sizeof(buf))
		fail(file, PW_ERR_TOOLONG);
	buf[0] = sel;
	buf[1] = (uint8_t)klen;
	memcpy(buf + 2, key, klen);
	memcpy(buf + 2 + klen, val, vlen);
	put_seed("store", file, buf, 2 + klen + vlen);
}

static void
user(struct store_user *u, const char *name, uint8_t role)
{
	unsigned f;

	memset(u, 0, sizeof(*u));
	(void)snprintf(u->name, sizeof(u->name), "%s", name);
	u->role = role;
	for (f = 0; f <= PW_FACTOR_MAX; f++) {
		(void)snprintf(u->f[f].hash, sizeof(u->f[f].hash),
		    "$argon2id$v=19$m=8,t=1,p=1$c2VlZHNlZWQ$%s%u", name, f);
		u->f[f].changed_at = 1767225600;
	}
	u->created_at = 1767139200;
}

/* The writes made in one transaction: accounts, histories and tokens. */
static int
fill_tx(struct store_tx *tx, void *arg)
{
	const struct store_user *u = arg;
	struct store_otp t;
	size_t i;
	int r;

	if ((r = store_tx_put(tx, &u[0], true)) != PW_OK ||
	    (r = store_tx_put(tx, &u[1], true)) != PW_OK ||
	    (r = store_tx_history_push(tx, "alice", PW_FACTOR_LOGIN,
	    "$argon2id$v=19$m=8,t=1,p=1$c2VlZHNlZWQ$old1", 5)) != PW_OK ||
	    (r = store_tx_history_push(tx, "alice", PW_FACTOR_LOGIN,
	    "$argon2id$v=19$m=8,t=1,p=1$c2VlZHNlZWQ$old2", 5)) != PW_OK ||
	    (r = store_tx_history_push(tx, "bob", PW_FACTOR_CONFIRM,
	    "$argon2id$v=19$m=8,t=1,p=1$c2VlZHNlZWQ$old3", 5)) != PW_OK)
		return r;
	memset(&t, 0, sizeof(t));
	t.pending = true;
	t.tries = 1;
	for (i = 0; i < sizeof(t.nonce); i++)
		t.nonce[i] = (uint8_t)i;
	for (i = 0; i < sizeof(t.box); i++)
		t.box[i] = (uint8_t)(0x40 + i);
	if ((r = store_tx_otp_put(tx, "alice", &t)) != PW_OK)
		return r;
	t.pending = false;
	t.tries = 0;
	t.last_step = 58908000;
	return store_tx_otp_put(tx, "bob", &t);
}

/* Every record of one named database, as the store wrote it. */
static void
dump_db(MDB_txn *txn, const char *db, uint8_t sel)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	MDB_dbi dbi;
	char file[128];
	int rc;

	if ((rc = mdb_dbi_open(txn, db, 0, &dbi)) != 0 ||
	    (rc = mdb_cursor_open(txn, dbi, &cur)) != 0) {
		fprintf(stderr, "fuzz-seeds: %s: %s\n", db, mdb_strerror(rc));
		exit(1);
	}
	while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0) {
		(void)snprintf(file, sizeof(file), "%s-%.*s", db,
		    (int)k.mv_size, (const char *)k.mv_data);
		put_record(sel, k.mv_data, k.mv_size, v.mv_data, v.mv_size,
		    file);
	}
	mdb_cursor_close(cur);
}

static void
dump_store(const char *dir)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	int rc;

	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, 8)) != 0 ||
	    (rc = mdb_env_open(env, dir, MDB_RDONLY, 0600)) != 0 ||
	    (rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0) {
		fprintf(stderr, "fuzz-seeds: %s: %s\n", dir, mdb_strerror(rc));
		exit(1);
	}
	dump_db(txn, "users", SEL_USER);
	dump_db(txn, "history", SEL_HISTORY);
	dump_db(txn, "otp", SEL_OTP);
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

/* One audit record: its number as the key, its body, then its hash. */
static void
put_audit(const struct pw_audit *e, const char *file)
{
	uint8_t key[8], rec[1024];
	struct wire w;
	int i, r;

	for (i = 0; i < 8; i++)
		key[i] = (uint8_t)(e->seq >> (56 - 8 * i));
	wire_init(&w, rec, sizeof(rec));
	if ((r = store_audit_encode_body(e, &w)) != PW_OK ||
	    (r = wire_put_bytes(&w, e->hash, PW_AUDIT_HASH)) != PW_OK)
		fail(file, r);
	put_record(SEL_AUDIT, key, sizeof(key), rec, w.len, file);
}

/* Audit entries with fixed times and hashes (the store's first entry has
 * the time of day, which would change the seeds at every run). */
static void
audit_records(void)
{
	struct pw_audit e;

	memset(&e, 0, sizeof(e));
	audit_entry(&e, 2, "lock", "alice", PW_OK);
	(void)snprintf(e.actor, sizeof(e.actor), "pam");
	put_audit(&e, "audit-lock");
	memset(&e, 0, sizeof(e));
	audit_entry(&e, 3, "backup", "", PW_ERR_PERM);
	e.uid = 1000;
	put_audit(&e, "audit-refusal");
}

/* Accounts, histories and tokens through store.c, in a temporary store. */
static void
records(void)
{
	char dir[] = "/tmp/pwfuzz-seeds.XXXXXX", path[64], err[256];
	static const char *const files[] = { "data.mdb", "lock.mdb" };
	struct store_user u[2];
	struct store *st = NULL;
	size_t i;
	int r;

	if (mkdtemp(dir) == NULL)
		fail("mkdtemp", 0);
	if ((r = store_open(&st, dir, err, sizeof(err))) != PW_OK) {
		fprintf(stderr, "fuzz-seeds: %s\n", err);
		exit(1);
	}
	user(&u[0], "alice", PW_ROLE_USER);
	u[0].f[PW_FACTOR_LOGIN].failures = 3;
	user(&u[1], "bob", PW_ROLE_MASTER);
	u[1].suspended = true;
	u[1].f[PW_FACTOR_CONFIRM].locked = true;
	u[1].f[PW_FACTOR_CONFIRM].must_change = true;
	u[1].otp_state = PW_OTP_AVAILABLE;
	u[1].otp_failures = 1;
	if ((r = store_write(st, fill_tx, u)) != PW_OK)
		fail("accounts, history and tokens", r);
	store_close(st);
	dump_store(dir);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		(void)unlink(path);
	}
	(void)rmdir(dir);
	audit_records();
}

static void
configs(void)
{
	static const char every[] =
	    "# every key\n"
	    "socket = /run/pwadmin/pwadmind.sock\n"
	    "state_dir = /var/lib/pwadmin\n"
	    "user = pwadmin\n"
	    "max_login_failures = 5\n"
	    "max_confirm_failures = 5\n"
	    "max_otp_failures = 5\n"
	    "login_max_age_days = 90\n"
	    "confirm_max_age_days = 0\n"
	    "warn_days = 14\n"
	    "min_length = 10\n"
	    "min_classes = 2\n"
	    "history = 5\n"
	    "otp_window = 1\n"
	    "argon2_ops = 2\n"
	    "argon2_mem_kib = 65536\n"
	    "hash_workers = 0\n"
	    "max_connections = 256\n"
	    "max_connections_per_uid = 8\n"
	    "request_timeout = 10\n"
	    "slot_wait_timeout = 20\n";
	static const char blanks[] =
	    "\n   \n# comment = not a key\n\t# indented comment\n"
	    "\tmin_length\t=\t12  \n"
	    "user=_pw-admin.1\n"
	    "state_dir =/srv/pw admin/state\n";
	static const char bad_value[] = "max_login_failures = 101\n";
	static const char duplicate[] = "history = 3\nhistory = 4\n";
	static const char no_newline[] = "argon2_ops = 3";

	put_seed("conf", "every-key", every, sizeof(every) - 1);
	put_seed("conf", "blanks-comments", blanks, sizeof(blanks) - 1);
	put_seed("conf", "bad-value", bad_value, sizeof(bad_value) - 1);
	put_seed("conf", "duplicate", duplicate, sizeof(duplicate) - 1);
	put_seed("conf", "no-newline", no_newline, sizeof(no_newline) - 1);
}

/* Byte 0: bits 0-1 = lines to read - 1, bit 2+i = line i is a new secret,
 * bits 6-7 = prompt_read_line's buffer (fuzz_stdin.c). */
static void
stdin_seed(uint8_t plan, const char *text, const char *file)
{
	size_t n = strlen(text);

	buf[0] = plan;
	memcpy(buf + 1, text, n);
	put_seed("stdin", file, buf, n + 1);
}

static void
stdins(void)
{
	/* useradd: new login, new confirmation, actor's confirmation */
	stdin_seed(2 | 1u << 2 | 1u << 3,
	    "Login-pass 1\nConfirm pass 2\nactor confirm\n", "useradd");
	/* passwd --login: current, new */
	stdin_seed(1 | 1u << 3, "old login\r\nnew l\xc3\xb6gin\r\n", "crlf");
	stdin_seed(0, "last line without newline", "no-newline");
	stdin_seed(3 | 0xfu << 2, "\n\xe2\x82\xac\xf0\x9f\x94\x91\nx\r\n\r",
	    "empty-utf8");
	stdin_seed(1, "one\n", "input-ends-early");
	/* prompt_read_line into 8 bytes, then into 1 */
	stdin_seed(3 | 2u << 6, "short\n1234567\r\n12345678\n", "small-8");
	stdin_seed(2 | 1u << 6, "\n\r\nx\n", "small-1");
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fuzz-seeds DIR\n");
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) != 0 && errno != EEXIST)
		fail(outdir, 0);
	requests();
	replies();
	records();
	configs();
	stdins();
	return 0;
}
