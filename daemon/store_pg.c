/* SPDX-License-Identifier: MIT */
/*
 * The PostgreSQL backend (store_backend.h): one account state for a fleet
 * of hosts.  The only user of <libpq-fe.h>.
 *  1. Every write transaction takes one advisory lock (FLEET_LOCK) first,
 *     so write transactions run one at a time across every daemon of the
 *     fleet, as LMDB's do on one host: the rules above the store need no
 *     second proof.
 *  2. A commit is durable as the server is configured to make it
 *     (synchronous_commit; a synchronous standby for failover: README).
 *  3. A row that breaks a rule of its record is a store error, never a
 *     default (store_user_valid, proto_audit_valid).
 *  4. Anything else from the server (unreachable, a standby, too slow)
 *     answers PW_ERR_READONLY: "cannot answer now", which the module and
 *     the client show as the daemon being unreachable.  One line is
 *     logged when the outage starts and one when it ends.
 */
#include <errno.h>
#include <poll.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "conf.h"
#include "frame.h"
#include "log.h"
#include "stats.h"
#include "pwerr.h"
#include "store_backend.h"
#include "store_codec.h"
#include "wipe.h"

#define POOL	   8		       /* connections per daemon */
#define FLEET_LOCK "7066766164736d6e"  /* hex of the advisory lock's key */
#define BATCH	   256		       /* rows fetched per scan query */
#define POOL_WAIT_S 10		       /* seconds to wait for a free connection */

struct pgconn {
	PGconn *c;
	bool busy;
};

struct store_backend {
	char conninfo[PWD_CONNINFO_MAX];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pgconn pool[POOL];
	atomic_bool down; /* an outage was logged, its end not yet */
};

struct store_btx {
	struct store_backend *b;
	struct pgconn *pc;
	enum store_txkind kind;
	bool begun;  /* its BEGIN was sent, with its first statement */
	int sent;    /* statements sent */
	bool failed; /* a statement failed: only a rollback remains */
	bool broken; /* the connection failed: close it on release */
};

/* Every statement sent is one round trip to the server: counted. */
static PGresult *
pg_PQexec(PGconn *c, const char *sql)
{
	stats_inc(PW_STAT_DB_ROUND_TRIPS);
	return PQexec(c, sql);
}

static PGresult *
pg_PQexecParams(PGconn *c, const char *sql, int n, const Oid *types,
    const char *const *values, const int *lengths, const int *formats,
    int result_format)
{
	stats_inc(PW_STAT_DB_ROUND_TRIPS);
	return PQexecParams(c, sql, n, types, values, lengths, formats,
	    result_format);
}

/* ==== Connections ==== */

/* libpq's messages span lines: a log line is one, blanks folded. */
static void
one_line(char *s)
{
	char *w = s, *r;

	for (r = s; *r != '\0'; r++) {
		char c = *r == '\n' || *r == '\t' || *r == '\r' ? ' ' : *r;

		if (c == ' ' && (w == s || w[-1] == ' '))
			continue;
		*w++ = c;
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

static void
note_down(struct store_backend *b, const char *why)
{
	char line[400];

	snprintf(line, sizeof(line), "%s", why != NULL ? why : "");
	one_line(line);
	if (!atomic_exchange(&b->down, true))
		log_warnx("store: PostgreSQL unavailable (%s): password checks "
		    "and admin operations are refused until it is back", line);
}

static void
note_up(struct store_backend *b)
{
	if (atomic_exchange(&b->down, false))
		log_notice("store: PostgreSQL available again");
}

/*
 * A new session: the configured conninfo over pwadmind's defaults (a
 * connect timeout, keepalives, statement and lock timeouts: a server too
 * slow to answer is an unavailable one).  Refuses a read-only server.
 */
/*
 * A WARNING from the server while this thread waits for a COMMIT: a
 * synchronous commit cancelled, "committed locally, but might not have
 * been replicated".  Notices are never printed to standard error.
 */
static _Thread_local bool warned;

static void
notice(void *arg, const PGresult *res)
{
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	(void)arg;
	if (sev != NULL && strcmp(sev, "WARNING") == 0) {
		warned = true;
		log_warnx("store: PostgreSQL: %s", msg != NULL ? msg : "warning");
	}
}

static PGconn *
connect_one(struct store_backend *b, bool runtime, char *err, size_t errsz)
{
	/* dbname (the conninfo) first: the keywords after it override it,
	 * so the conninfo cannot lift the timeouts that make a slow server
	 * an unavailable one */
	static const char *const kw[] = { "dbname", "connect_timeout",
		"keepalives", "keepalives_idle", "keepalives_interval",
		"keepalives_count", "tcp_user_timeout", "application_name",
		"options", NULL };
	const char *const val[] = { b->conninfo, "5", "1", "10", "5", "2",
		"10000", "pwadmind", "-c statement_timeout=10000 "
		"-c lock_timeout=10000 "
		"-c idle_in_transaction_session_timeout=30000", NULL };
	PGresult *res;
	PGconn *c;

	c = PQconnectdbParams(kw, val, 1);
	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		snprintf(err, errsz, "%s", c != NULL ? PQerrorMessage(c) :
		    "out of memory");
		PQfinish(c);
		return NULL;
	}
	/* errors without their DETAIL: a failing row would carry hashes */
	PQsetErrorVerbosity(c, PQERRORS_TERSE);
	PQsetNoticeReceiver(c, notice, NULL);
	/*
	 * Who the session is, whatever the conninfo said (options=-c role=
	 * changes current_user, not session_user): neither may be a
	 * superuser, make roles, bypass row security, or own the schema.
	 */
	res = pg_PQexec(c, "SELECT current_setting('transaction_read_only'), "
	    "(SELECT bool_or(r.rolsuper OR r.rolcreaterole OR r.rolbypassrls) "
	    "FROM pg_roles r WHERE r.rolname IN (session_user, current_user)), "
	    "(SELECT bool_or(pg_has_role(u, n.nspowner, 'MEMBER')) FROM "
	    "pg_namespace n, (VALUES (session_user), (current_user)) v(u) "
	    "WHERE n.nspname = 'pwadmin')");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		snprintf(err, errsz, "%s", PQerrorMessage(c));
	} else if (strcmp(PQgetvalue(res, 0, 0), "off") != 0) {
		snprintf(err, errsz, "the server is read-only (a standby?)");
	} else if (runtime && strcmp(PQgetvalue(res, 0, 1), "f") != 0) {
		snprintf(err, errsz, "refusing a session that is, or can become, "
		    "a superuser, a role maker or above row security (connect "
		    "as the runtime role: see pwadmind(8))");
	} else if (runtime && strcmp(PQgetvalue(res, 0, 2), "t") == 0) {
		snprintf(err, errsz, "refusing a session that can act as the "
		    "schema's owner (connect as the runtime role: see "
		    "pwadmind(8))");
	} else {
		PQclear(res);
		return c;
	}
	PQclear(res);
	PQfinish(c);
	return NULL;
}

/* Takes a pooled connection, connecting when it has none. */
static int
acquire(struct store_backend *b, struct pgconn **pcp)
{
	struct pgconn *pc = NULL;
	char err[256];
	int i;

	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += POOL_WAIT_S;
	pthread_mutex_lock(&b->mu);
	for (;;) {
		for (i = 0; i < POOL && pc == NULL; i++)
			if (!b->pool[i].busy)
				pc = &b->pool[i];
		if (pc != NULL)
			break;
		if (pthread_cond_timedwait(&b->cv, &b->mu, &until) ==
		    ETIMEDOUT) {
			pthread_mutex_unlock(&b->mu);
			log_warnx("store: all %d database connections stayed busy "
			    "for %d s", POOL, POOL_WAIT_S);
			return PW_ERR_READONLY;
		}
	}
	pc->busy = true;
	pthread_mutex_unlock(&b->mu);
	/* what the server said while it sat in the pool (a shutdown, a
	 * termination) is read now, without a round trip: a connection it
	 * closed is not handed out */
	if (pc->c != NULL)
		(void)PQconsumeInput(pc->c);
	if (pc->c != NULL && (PQstatus(pc->c) != CONNECTION_OK ||
	    PQtransactionStatus(pc->c) != PQTRANS_IDLE)) {
		PQfinish(pc->c);
		pc->c = NULL;
	}
	if (pc->c == NULL && (pc->c = connect_one(b, true, err, sizeof(err))) ==
	    NULL) {
		note_down(b, err);
		pthread_mutex_lock(&b->mu);
		pc->busy = false;
		pthread_cond_signal(&b->cv);
		pthread_mutex_unlock(&b->mu);
		return PW_ERR_READONLY;
	}
	*pcp = pc;
	return PW_OK;
}

static void
release(struct store_backend *b, struct pgconn *pc, bool broken)
{
	if (broken) {
		PQfinish(pc->c);
		pc->c = NULL;
	}
	pthread_mutex_lock(&b->mu);
	pc->busy = false;
	pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&b->mu);
}

/* ==== Statements ==== */

/* Whether a failed statement means the server is out of reach now. */
static bool
outage(const PGconn *c, const char *state)
{
	if (PQstatus(c) != CONNECTION_OK || state == NULL)
		return true;
	/* connection, operator intervention (shutdown, cancel: a statement
	 * timeout), insufficient resources, a standby, a lock timeout */
	return strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0 ||
	    strncmp(state, "53", 2) == 0 || strcmp(state, "25006") == 0 ||
	    strcmp(state, "55P03") == 0;
}

/*
 * The outcome of a failed statement.  The server out of reach: the
 * session is given up (a new one is made next time), the outage logged
 * once, and the caller told PW_ERR_READONLY ("cannot answer now").  Any
 * other error (a row breaking a constraint): logged, PW_ERR_STORE; the
 * transaction can only be rolled back.
 */
static int
failed(struct store_btx *tx, PGresult *res, const char *what)
{
	const char *f = res != NULL ?
	    PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	/* the primary message only: a DETAIL may quote a row's hashes */
	const char *msg = res != NULL && PQresultErrorField(res,
	    PG_DIAG_MESSAGE_PRIMARY) != NULL ? PQresultErrorField(res,
	    PG_DIAG_MESSAGE_PRIMARY) : PQerrorMessage(tx->pc->c);
	char why[320], buf[8], *state = NULL;

	/* copies: both point into res, cleared here */
	snprintf(why, sizeof(why), "%s: %s", what, msg);
	one_line(why);
	if (f != NULL) {
		snprintf(buf, sizeof(buf), "%s", f);
		state = buf;
	}
	PQclear(res);
	tx->failed = true;
	if (outage(tx->pc->c, state)) {
		note_down(tx->b, why);
		tx->broken = true;
		return PW_ERR_READONLY;
	}
	log_warnx("store: %s (SQLSTATE %s)", why, state);
	return PW_ERR_STORE;
}

/* One result of a pipeline, and the NULL that ends it. */
static PGresult *
take(PGconn *c)
{
	PGresult *res = PQgetResult(c), *more;

	if (res != NULL && PQresultStatus(res) != PGRES_PIPELINE_SYNC)
		while ((more = PQgetResult(c)) != NULL)
			PQclear(more);
	return res;
}

/*
 * The first statement of a transaction, sent in one round trip with the
 * BEGIN (and, for a write, the fleet's lock) before it: libpq's pipeline
 * mode.  As run, for that statement.
 */
static int
run_first(struct store_btx *tx, const char *what, const char *sql, int n,
    const char *const *param, const int *len, const int *fmt,
    ExecStatusType want, PGresult **resp)
{
	PGconn *c = tx->pc->c;
	bool write = tx->kind == STORE_TX_WRITE;
	PGresult *res[3] = { NULL, NULL, NULL }, *sync;
	const ExecStatusType ok[3] = { PGRES_COMMAND_OK, PGRES_TUPLES_OK,
		want };
	int i, r = PW_OK;

	stats_inc(PW_STAT_DB_ROUND_TRIPS);
	if (PQenterPipelineMode(c) != 1 ||
	    PQsendQueryParams(c, write ? "BEGIN ISOLATION LEVEL READ "
	    "COMMITTED READ WRITE" : "BEGIN ISOLATION LEVEL REPEATABLE READ "
	    "READ ONLY", 0, NULL, NULL, NULL, NULL, 0) != 1 ||
	    (write && PQsendQueryParams(c, "SELECT pg_advisory_xact_lock("
	    "x'" FLEET_LOCK "'::bigint)", 0, NULL, NULL, NULL, NULL, 0) != 1) ||
	    PQsendQueryParams(c, sql, n, NULL, param, len, fmt, 0) != 1 ||
	    PQpipelineSync(c) != 1)
		return failed(tx, NULL, what);
	res[0] = take(c);
	if (write)
		res[1] = take(c);
	res[2] = take(c);
	sync = PQgetResult(c);
	tx->begun = PQresultStatus(res[0]) == PGRES_COMMAND_OK;
	for (i = 0; i < 3 && r == PW_OK; i++)
		if ((i != 1 || write) && PQresultStatus(res[i]) != ok[i]) {
			r = failed(tx, res[i], i == 0 ? "begin" : i == 1 ?
			    "lock" : what);
			res[i] = NULL; /* failed() cleared it */
		}
	if (PQresultStatus(sync) != PGRES_PIPELINE_SYNC && r == PW_OK)
		r = failed(tx, NULL, what);
	PQclear(sync);
	PQclear(res[0]);
	PQclear(res[1]);
	if (!tx->broken && PQexitPipelineMode(c) != 1)
		r = r != PW_OK ? r : failed(tx, NULL, what);
	if (r != PW_OK) {
		PQclear(res[2]);
		return r;
	}
	*resp = res[2];
	return PW_OK;
}

/*
 * One statement with text parameters (NULL `bin' entries) or binary ones
 * (a length in `len'); *resp holds the result when it has the status
 * `want'.  Statements after a failure in the same transaction are not
 * sent.
 */
static int
run(struct store_btx *tx, const char *what, const char *sql, int n,
    const char *const *param, const int *len, ExecStatusType want,
    PGresult **resp)
{
	int fmt[16] = { 0 };
	PGresult *res;
	int i;

	*resp = NULL;
	if (n > 16)
		return PW_ERR_INVAL;
	if (tx->broken)
		return PW_ERR_READONLY;
	if (tx->failed)
		return PW_ERR_STORE;
	for (i = 0; i < n; i++)
		fmt[i] = len != NULL && len[i] >= 0 ? 1 : 0;
	if (tx->kind == STORE_TX_READ_ONE && tx->sent++ > 0) {
		/* its own snapshot only while it is one statement */
		log_warnx("store: %s: a second statement in a one-statement "
		    "read", what);
		return PW_ERR_STORE;
	}
	if (tx->kind != STORE_TX_READ_ONE && !tx->begun)
		return run_first(tx, what, sql, n, param, len, fmt, want,
		    resp);
	res = pg_PQexecParams(tx->pc->c, sql, n, NULL, param, len, fmt, 0);
	if (PQresultStatus(res) != want)
		return failed(tx, res, what);
	*resp = res;
	return PW_OK;
}

/* A statement whose result is only its status and row count. */
static int
cmd(struct store_btx *tx, const char *what, const char *sql, int n,
    const char *const *param, const int *len, long *rows)
{
	PGresult *res;
	int r;

	if ((r = run(tx, what, sql, n, param, len, PGRES_COMMAND_OK, &res)) !=
	    PW_OK)
		return r;
	if (rows != NULL)
		*rows = strtol(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return PW_OK;
}

/* A whole number of a result's cell, within [lo, hi]. */
static bool
cell_num(const PGresult *res, int row, int col, long long lo, long long hi,
    long long *v)
{
	const char *s = PQgetvalue(res, row, col);
	char *end;

	if (PQgetisnull(res, row, col) || s[0] == '\0')
		return false;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno == 0 && *end == '\0' && *v >= lo && *v <= hi;
}

static bool
cell_bool(const PGresult *res, int row, int col, bool *b)
{
	const char *s = PQgetvalue(res, row, col);

	if (PQgetisnull(res, row, col) || (strcmp(s, "t") != 0 &&
	    strcmp(s, "f") != 0))
		return false;
	*b = s[0] == 't';
	return true;
}

/* A text cell into dst (size bytes with its NUL), or false. */
static bool
cell_str(const PGresult *res, int row, int col, char *dst, size_t size)
{
	const char *s = PQgetvalue(res, row, col);
	size_t n = (size_t)PQgetlength(res, row, col);

	if (PQgetisnull(res, row, col) || n >= size || strlen(s) != n)
		return false;
	memcpy(dst, s, n + 1);
	return true;
}

/* A bytea cell (text format, hex) of exactly `size' bytes into dst. */
static bool
cell_bytes(const PGresult *res, int row, int col, uint8_t *dst, size_t size)
{
	unsigned char *p;
	size_t n = 0;
	bool ok;

	if (PQgetisnull(res, row, col))
		return false;
	p = PQunescapeBytea((const unsigned char *)PQgetvalue(res, row, col),
	    &n);
	ok = p != NULL && n == size;
	if (ok)
		memcpy(dst, p, n);
	if (p != NULL) {
		pw_wipe(p, n);
		PQfreemem(p);
	}
	return ok;
}

/* Decimal text of a number, for a parameter. */
struct num {
	char s[24];
};

static const char *
num(struct num *n, long long v)
{
	snprintf(n->s, sizeof(n->s), "%lld", v);
	return n->s;
}

/* ==== Transactions ==== */

/*
 * Nothing is sent yet: the BEGIN (and a write's lock) goes with the first
 * statement (run_first); a one-statement read sends none.
 */
static int
pg_begin(struct store_backend *b, enum store_txkind kind,
    struct store_btx **txp)
{
	struct store_btx *tx;
	int r;

	*txp = NULL;
	if ((tx = calloc(1, sizeof(*tx))) == NULL)
		return PW_ERR_NOMEM;
	tx->b = b;
	tx->kind = kind;
	if ((r = acquire(b, &tx->pc)) != PW_OK) {
		free(tx);
		return r;
	}
	*txp = tx;
	return PW_OK;
}

static void
end_tx(struct store_btx *tx)
{
	if (!tx->broken)
		note_up(tx->b);
	release(tx->b, tx->pc, tx->broken);
	free(tx);
}

#define COMMIT_MS 10000 /* a COMMIT's own deadline */

/*
 * COMMIT, waited for COMMIT_MS at most: statement_timeout does not cover
 * the wait for a synchronous standby.  The last result, or NULL (the
 * connection failed, or *late: the time ran out).
 */
static PGresult *
commit_within(PGconn *c, bool *late)
{
	int64_t end = frame_now_ms() + COMMIT_MS, left;
	PGresult *res = NULL, *r;
	struct pollfd p;

	*late = false;
	stats_inc(PW_STAT_DB_ROUND_TRIPS);
	if (PQsendQuery(c, "COMMIT") != 1)
		return NULL;
	for (;;) {
		while (!PQisBusy(c)) {
			if ((r = PQgetResult(c)) == NULL)
				return res;
			PQclear(res);
			res = r;
		}
		if ((left = end - frame_now_ms()) <= 0) {
			*late = true;
			PQclear(res);
			return NULL;
		}
		p = (struct pollfd){ .fd = PQsocket(c), .events = POLLIN };
		if ((poll(&p, 1, (int)left) < 0 && errno != EINTR) ||
		    PQconsumeInput(c) != 1) {
			PQclear(res);
			return NULL;
		}
	}
}

static int
pg_commit(struct store_btx *tx)
{
	bool late;

	PGresult *res;
	int r = tx->broken ? PW_ERR_READONLY : PW_ERR_STORE;

	if (!tx->begun && !tx->failed && !tx->broken)
		r = PW_OK; /* nothing was sent, nothing to commit */
	else if (!tx->begun) {
		/* failed before its BEGIN took: nothing open */
	} else if (tx->failed && !tx->broken) {
		res = pg_PQexec(tx->pc->c, "ROLLBACK");
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			tx->broken = true;
		PQclear(res);
	} else if (!tx->broken) {
		warned = false;
		res = commit_within(tx->pc->c, &late);
		if (late || warned) {
			/*
			 * No answer in time, or "committed locally, but might
			 * not have been replicated": the outcome is not known
			 * to be durable, so no verdict rests on it.
			 */
			PQclear(res);
			note_down(tx->b, late ? "commit: no answer in 10 s (a "
			    "synchronous standby away?)" : "commit: not known "
			    "to be replicated");
			tx->broken = true;
			r = PW_ERR_READONLY;
		} else if (PQresultStatus(res) == PGRES_COMMAND_OK &&
		    strcmp(PQcmdStatus(res), "COMMIT") == 0) {
			PQclear(res);
			r = PW_OK;
		} else if (PQresultStatus(res) == PGRES_COMMAND_OK) {
			/* a COMMIT of an aborted transaction says ROLLBACK */
			log_warnx("store: commit: the transaction was rolled "
			    "back");
			PQclear(res);
		} else
			r = failed(tx, res, "commit");
	}
	end_tx(tx);
	return r;
}

static void
pg_abort(struct store_btx *tx)
{
	PGresult *res;

	if (tx->begun && !tx->broken) {
		res = pg_PQexec(tx->pc->c, "ROLLBACK");
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			(void)failed(tx, res, "rollback");
		else
			PQclear(res);
	}
	end_tx(tx);
}

/* ==== Accounts ==== */

#define USER_COLS "name, role, suspended, " \
	"login_hash, login_failures, login_locked, login_must_change, " \
	"login_changed_at, confirm_hash, confirm_failures, confirm_locked, " \
	"confirm_must_change, confirm_changed_at, otp_state, otp_failures, " \
	"created_at"

static int
user_row(const PGresult *res, int row, struct store_user *u)
{
	long long v;
	int c = 0;
	uint8_t i;

	memset(u, 0, sizeof(*u));
	if (!cell_str(res, row, c++, u->name, sizeof(u->name)) ||
	    !cell_num(res, row, c++, 0, 255, &v))
		goto bad;
	u->role = (uint8_t)v;
	if (!cell_bool(res, row, c++, &u->suspended))
		goto bad;
	for (i = 0; i <= PW_FACTOR_MAX; i++) {
		struct store_factor *f = &u->f[i];

		if (!cell_str(res, row, c++, f->hash, sizeof(f->hash)) ||
		    !cell_num(res, row, c++, 0, UINT32_MAX, &v))
			goto bad;
		f->failures = (uint32_t)v;
		if (!cell_bool(res, row, c++, &f->locked) ||
		    !cell_bool(res, row, c++, &f->must_change) ||
		    !cell_num(res, row, c++, INT64_MIN, INT64_MAX, &v))
			goto bad;
		f->changed_at = v;
	}
	if (!cell_num(res, row, c++, 0, 255, &v))
		goto bad;
	u->otp_state = (uint8_t)v;
	if (!cell_num(res, row, c++, 0, UINT32_MAX, &v))
		goto bad;
	u->otp_failures = (uint32_t)v;
	if (!cell_num(res, row, c++, INT64_MIN, INT64_MAX, &v))
		goto bad;
	u->created_at = v;
	if (store_user_valid(u))
		return PW_OK;
bad:
	log_warnx("store: an account row does not decode");
	PW_WIPE_OBJECT(u);
	return PW_ERR_STORE;
}

static int
pg_user_get(struct store_btx *tx, const char *name, struct store_user *u)
{
	const char *p[1] = { name };
	PGresult *res;
	int r;

	memset(u, 0, sizeof(*u));
	if ((r = run(tx, "get", "SELECT " USER_COLS " FROM pwadmin.users "
	    "WHERE name = $1", 1, p, NULL, PGRES_TUPLES_OK, &res)) != PW_OK)
		return r;
	r = PQntuples(res) == 1 ? user_row(res, 0, u) : PW_ERR_NOUSER;
	PQclear(res);
	return r;
}

static int
pg_user_put(struct store_btx *tx, const struct store_user *u, bool create)
{
	struct num n[11] = { { "" } };
	const char *p[16] = { u->name, num(&n[0], u->role),
		u->suspended ? "t" : "f",
		u->f[0].hash, num(&n[1], u->f[0].failures),
		u->f[0].locked ? "t" : "f", u->f[0].must_change ? "t" : "f",
		num(&n[2], u->f[0].changed_at),
		u->f[1].hash, num(&n[3], u->f[1].failures),
		u->f[1].locked ? "t" : "f", u->f[1].must_change ? "t" : "f",
		num(&n[4], u->f[1].changed_at),
		num(&n[5], u->otp_state), num(&n[6], u->otp_failures),
		num(&n[7], u->created_at) };
	long rows = 0;
	int r;

	r = cmd(tx, "put", create ?
	    "INSERT INTO pwadmin.users (" USER_COLS ") VALUES ($1, $2, $3, "
	    "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) "
	    "ON CONFLICT (name) DO NOTHING" :
	    "INSERT INTO pwadmin.users (" USER_COLS ") VALUES ($1, $2, $3, "
	    "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) "
	    "ON CONFLICT (name) DO UPDATE SET role = $2, suspended = $3, "
	    "login_hash = $4, login_failures = $5, login_locked = $6, "
	    "login_must_change = $7, login_changed_at = $8, "
	    "confirm_hash = $9, confirm_failures = $10, confirm_locked = $11, "
	    "confirm_must_change = $12, confirm_changed_at = $13, "
	    "otp_state = $14, otp_failures = $15, created_at = $16",
	    16, p, NULL, &rows);
	if (r == PW_OK && rows == 0)
		r = PW_ERR_EXISTS;
	return r;
}

static int
pg_user_del(struct store_btx *tx, const char *name)
{
	const char *p[1] = { name };
	long rows = 0;
	int r;

	r = cmd(tx, "del", "DELETE FROM pwadmin.users WHERE name = $1", 1, p,
	    NULL, &rows);
	if (r == PW_OK && rows == 0)
		return PW_ERR_NOUSER;
	/* its slots go with it: a new account of that name starts clean */
	if (r == PW_OK)
		r = cmd(tx, "del", "DELETE FROM pwadmin.slots WHERE name = $1",
		    1, p, NULL, NULL);
	return r;
}

static int
pg_user_scan(struct store_btx *tx, const char *after, store_user_fn fn,
    void *arg)
{
	char last[PW_USER_MAX + 1];
	struct store_user u;
	struct num lim = { "" };
	PGresult *res;
	int i, n, r = 0;

	snprintf(last, sizeof(last), "%s", after);
	for (;;) {
		const char *p[2] = { last, num(&lim, BATCH) };

		if ((r = run(tx, "scan", "SELECT " USER_COLS " FROM "
		    "pwadmin.users WHERE name > $1 ORDER BY name LIMIT $2", 2,
		    p, NULL, PGRES_TUPLES_OK, &res)) != PW_OK)
			return r;
		n = PQntuples(res);
		for (i = 0, r = 0; i < n && r == 0; i++) {
			if ((r = user_row(res, i, &u)) != PW_OK)
				break;
			r = fn(&u, arg);
			memcpy(last, u.name, sizeof(last));
			PW_WIPE_OBJECT(&u);
		}
		PQclear(res);
		if (r != 0 || n < BATCH)
			return r < 0 ? r : PW_OK;
	}
}

/* count(*) of a table (a constant name, never input). */
static int
count_rows(struct store_btx *tx, const char *sql, size_t *np)
{
	PGresult *res;
	long long v;
	int r;

	*np = 0;
	if ((r = run(tx, "count", sql, 0, NULL, NULL, PGRES_TUPLES_OK, &res)) !=
	    PW_OK)
		return r;
	if (PQntuples(res) == 1 && cell_num(res, 0, 0, 0, INT64_MAX, &v))
		*np = (size_t)v;
	else
		r = PW_ERR_STORE;
	PQclear(res);
	return r;
}

static int
pg_user_count(struct store_btx *tx, size_t *n)
{
	return count_rows(tx, "SELECT count(*) FROM pwadmin.users", n);
}

/* ==== Password history: one row per account and factor ==== */

static int
pg_history_get(struct store_btx *tx, const char *name,
    struct store_history *hist)
{
	const char *p[1] = { name };
	PGresult *res;
	long long f, i;
	int row, r;

	memset(hist, 0, sizeof(*hist));
	if ((r = run(tx, "history", "SELECT factor, pos, hash FROM "
	    "pwadmin.history WHERE name = $1 ORDER BY factor, pos", 1, p, NULL,
	    PGRES_TUPLES_OK, &res)) != PW_OK)
		return r;
	for (row = 0; row < PQntuples(res); row++) {
		if (!cell_num(res, row, 0, 0, PW_FACTOR_MAX, &f) ||
		    !cell_num(res, row, 1, 0, PW_HISTORY_MAX - 1, &i) ||
		    i != hist->n[f] ||
		    !cell_str(res, row, 2, hist->hash[f][i], PWD_HASH_MAX)) {
			log_warnx("store: a password history does not decode");
			PW_WIPE_OBJECT(hist);
			r = PW_ERR_STORE;
			break;
		}
		hist->n[f]++;
	}
	PQclear(res);
	return r;
}

static int
pg_history_del(struct store_btx *tx, const char *name)
{
	const char *p[1] = { name };

	return cmd(tx, "history", "DELETE FROM pwadmin.history WHERE "
	    "name = $1", 1, p, NULL, NULL);
}

static int
pg_history_put(struct store_btx *tx, const char *name,
    const struct store_history *hist)
{
	struct num f = { "" }, i = { "" };
	uint8_t k, j;
	int r;

	if ((r = pg_history_del(tx, name)) != PW_OK)
		return r;
	for (k = 0; k <= PW_FACTOR_MAX && r == PW_OK; k++)
		for (j = 0; j < hist->n[k] && j < PW_HISTORY_MAX &&
		    r == PW_OK; j++) {
			const char *p[4] = { name, num(&f, k), num(&i, j),
				hist->hash[k][j] };

			r = cmd(tx, "history", "INSERT INTO pwadmin.history "
			    "(name, factor, pos, hash) VALUES ($1, $2, $3, $4)",
			    4, p, NULL, NULL);
		}
	return r;
}

/* ==== Tokens ==== */

static int
pg_otp_get(struct store_btx *tx, const char *name, struct store_otp *t)
{
	const char *p[1] = { name };
	PGresult *res;
	long long v;
	int r;

	memset(t, 0, sizeof(*t));
	if ((r = run(tx, "otp", "SELECT pending, tries, last_step, nonce, box "
	    "FROM pwadmin.otp WHERE name = $1", 1, p, NULL, PGRES_TUPLES_OK,
	    &res)) != PW_OK)
		return r;
	if (PQntuples(res) != 1)
		r = PW_ERR_NOUSER;
	else if (!cell_bool(res, 0, 0, &t->pending) ||
	    !cell_num(res, 0, 1, 0, 255, &v) || (t->tries = (uint8_t)v,
	    !cell_num(res, 0, 2, 0, INT64_MAX, &v)) ||
	    (t->last_step = (uint64_t)v,
	    !cell_bytes(res, 0, 3, t->nonce, PWD_OTP_NONCE)) ||
	    !cell_bytes(res, 0, 4, t->box, PWD_OTP_BOX)) {
		log_warnx("store: a one-time password token does not decode");
		PW_WIPE_OBJECT(t);
		r = PW_ERR_STORE;
	}
	PQclear(res);
	return r;
}

static int
pg_otp_put(struct store_btx *tx, const char *name, const struct store_otp *t)
{
	struct num tr = { "" }, st = { "" };
	const char *p[6] = { name, t->pending ? "t" : "f", num(&tr, t->tries),
		num(&st, (long long)t->last_step), (const char *)t->nonce,
		(const char *)t->box };
	const int len[6] = { -1, -1, -1, -1, PWD_OTP_NONCE, PWD_OTP_BOX };

	if (t->last_step > INT64_MAX)
		return PW_ERR_INVAL;
	return cmd(tx, "otp", "INSERT INTO pwadmin.otp (name, pending, tries, "
	    "last_step, nonce, box) VALUES ($1, $2, $3, $4, $5, $6) "
	    "ON CONFLICT (name) DO UPDATE SET pending = $2, tries = $3, "
	    "last_step = $4, nonce = $5, box = $6", 6, p, len, NULL);
}

static int
pg_otp_del(struct store_btx *tx, const char *name)
{
	const char *p[1] = { name };

	return cmd(tx, "otp", "DELETE FROM pwadmin.otp WHERE name = $1", 1, p,
	    NULL, NULL);
}

static int
pg_otp_count(struct store_btx *tx, size_t *n)
{
	return count_rows(tx, "SELECT count(*) FROM pwadmin.otp", n);
}

/* ==== Meta values ==== */

static int
pg_meta_get(struct store_btx *tx, const char *key, void *buf, size_t *len)
{
	const char *p[1] = { key };
	unsigned char *v;
	PGresult *res;
	size_t n = 0;
	int r;

	if ((r = run(tx, "meta", "SELECT value FROM pwadmin.meta WHERE "
	    "key = $1", 1, p, NULL, PGRES_TUPLES_OK, &res)) != PW_OK)
		return r;
	if (PQntuples(res) != 1)
		r = PW_ERR_NOUSER;
	else if ((v = PQunescapeBytea((const unsigned char *)PQgetvalue(res,
	    0, 0), &n)) == NULL)
		r = PW_ERR_NOMEM;
	else {
		if (n > *len)
			r = PW_ERR_TOOLONG;
		else {
			memcpy(buf, v, n);
			*len = n;
		}
		PQfreemem(v);
	}
	PQclear(res);
	return r;
}

static int
pg_meta_put(struct store_btx *tx, const char *key, const void *buf,
    size_t len)
{
	const char *p[2] = { key, buf };
	const int l[2] = { -1, (int)len };

	return cmd(tx, "meta", "INSERT INTO pwadmin.meta (key, value) VALUES "
	    "($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2", 2, p, l,
	    NULL);
}

/* ==== Audit entries ==== */

#define AUDIT_COLS "seq, time, uid, actor, action, target, status, detail, " \
	"host, hash"

static int
pg_audit_put(struct store_btx *tx, const struct pw_audit *e)
{
	struct num seq = { "" }, tm = { "" }, uid = { "" }, st = { "" };
	const char *p[10] = { num(&seq, (long long)e->seq),
		num(&tm, e->time), num(&uid, e->uid), e->actor, e->action,
		e->target, num(&st, e->status), e->detail, e->host,
		(const char *)e->hash };
	const int len[10] = { -1, -1, -1, -1, -1, -1, -1, -1, -1,
		PW_AUDIT_HASH };
	long rows = 0;
	int r;

	r = cmd(tx, "audit", "INSERT INTO pwadmin.audit (" AUDIT_COLS ") "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
	    "ON CONFLICT (seq) DO NOTHING", 10, p, len, &rows);
	return r == PW_OK && rows == 0 ? PW_ERR_EXISTS : r;
}

/* One audit row, or false when it breaks a rule of an entry. */
static bool
audit_row(const PGresult *res, int row, struct pw_audit *e)
{
	long long v;

	memset(e, 0, sizeof(*e));
	if (!cell_num(res, row, 0, 1, INT64_MAX, &v))
		return false;
	e->seq = (uint64_t)v;
	if (!cell_num(res, row, 1, INT64_MIN, INT64_MAX, &v))
		return false;
	e->time = v;
	if (!cell_num(res, row, 2, 0, UINT32_MAX, &v))
		return false;
	e->uid = (uint32_t)v;
	if (!cell_str(res, row, 3, e->actor, sizeof(e->actor)) ||
	    !cell_str(res, row, 4, e->action, sizeof(e->action)) ||
	    !cell_str(res, row, 5, e->target, sizeof(e->target)) ||
	    !cell_num(res, row, 6, INT32_MIN, INT32_MAX, &v))
		return false;
	e->status = (int)v;
	return cell_str(res, row, 7, e->detail, sizeof(e->detail)) &&
	    cell_str(res, row, 8, e->host, sizeof(e->host)) &&
	    cell_bytes(res, row, 9, e->hash, PW_AUDIT_HASH) &&
	    proto_audit_valid(e);
}

static int
pg_audit_scan(struct store_btx *tx, uint64_t from, store_audit_fn fn,
    void *arg)
{
	struct num f = { "" }, lim = { "" };
	struct pw_audit e;
	PGresult *res;
	long long seq;
	int i, n, r = 0;

	for (;;) {
		const char *p[2] = { num(&f, (long long)from), num(&lim, BATCH) };

		if ((r = run(tx, "audit scan", "SELECT " AUDIT_COLS " FROM "
		    "pwadmin.audit WHERE seq >= $1 ORDER BY seq LIMIT $2", 2, p,
		    NULL, PGRES_TUPLES_OK, &res)) != PW_OK)
			return r;
		n = PQntuples(res);
		for (i = 0, r = 0; i < n && r == 0; i++) {
			if (!cell_num(res, i, 0, 0, INT64_MAX, &seq))
				seq = 0;
			r = fn((uint64_t)seq, audit_row(res, i, &e) ? &e : NULL,
			    arg);
			from = (uint64_t)seq + 1;
		}
		PQclear(res);
		if (r != 0 || n < BATCH)
			return r < 0 ? r : PW_OK;
	}
}

/* ==== Guess slots (rule 1 across the fleet) ==== */

/* The server's clock decides a hold's end: hosts' clocks may differ. */
#define NOW_MS "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

static int
pg_slots(struct store_btx *tx, const char *name, uint8_t factor,
    uint32_t *live, uint32_t *expired)
{
	struct num f = { "" };
	const char *p[2] = { name, num(&f, factor) };
	PGresult *res;
	long long l, e;
	int r;

	*live = *expired = 0;
	/* the holds that expired are deleted here, and counted as failures
	 * by the caller in this same transaction */
	if ((r = run(tx, "slots", "WITH now AS (SELECT " NOW_MS " AS ms), "
	    "gone AS (DELETE FROM pwadmin.slots WHERE name = $1 AND "
	    "factor = $2 AND expires <= (SELECT ms FROM now) RETURNING 1) "
	    "SELECT (SELECT count(*) FROM pwadmin.slots WHERE name = $1 AND "
	    "factor = $2 AND expires > (SELECT ms FROM now)), "
	    "(SELECT count(*) FROM gone)", 2, p, NULL, PGRES_TUPLES_OK,
	    &res)) != PW_OK)
		return r;
	if (PQntuples(res) == 1 && cell_num(res, 0, 0, 0, UINT32_MAX, &l) &&
	    cell_num(res, 0, 1, 0, UINT32_MAX, &e)) {
		*live = (uint32_t)l;
		*expired = (uint32_t)e;
	} else
		r = PW_ERR_STORE;
	PQclear(res);
	return r;
}

static int
pg_slot_add(struct store_btx *tx, const char *name, uint8_t factor,
    const char *host, uint32_t hold_ms, int64_t *id)
{
	struct num f = { "" }, ex = { "" };
	const char *p[4] = { name, num(&f, factor), host, num(&ex, hold_ms) };
	PGresult *res;
	long long v;
	int r;

	*id = 0;
	if ((r = run(tx, "slot", "INSERT INTO pwadmin.slots (name, factor, "
	    "host, expires) VALUES ($1, $2, $3, " NOW_MS " + $4) RETURNING id",
	    4, p, NULL,
	    PGRES_TUPLES_OK, &res)) != PW_OK)
		return r;
	if (PQntuples(res) == 1 && cell_num(res, 0, 0, 1, INT64_MAX, &v))
		*id = v;
	else
		r = PW_ERR_STORE;
	PQclear(res);
	return r;
}

static int
pg_slot_del(struct store_btx *tx, int64_t id, bool *found)
{
	struct num i = { "" };
	const char *p[1] = { num(&i, id) };
	long rows = 0;
	int r;

	*found = false;
	r = cmd(tx, "slot", "DELETE FROM pwadmin.slots WHERE id = $1", 1, p,
	    NULL, &rows);
	*found = r == PW_OK && rows == 1;
	return r;
}

/* ==== Backup, writability ==== */

static int
pg_backup(struct store_backend *b, int fd)
{
	(void)b;
	(void)fd;
	return PW_ERR_INVAL; /* pg_dump's job: the handler says so */
}

/* Cheap while all is well; during an outage, a new session decides. */
static int
pg_writable(struct store_backend *b)
{
	struct pgconn *pc;

	if (!atomic_load(&b->down))
		return PW_OK;
	if (acquire(b, &pc) != PW_OK)
		return PW_ERR_READONLY;
	release(b, pc, false);
	note_up(b);
	return PW_OK;
}

/* ==== Opening; the schema ==== */

static void
pg_close(struct store_backend *b)
{
	int i;

	for (i = 0; i < POOL; i++)
		PQfinish(b->pool[i].c);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
	pw_wipe(b->conninfo, sizeof(b->conninfo));
	free(b);
}

static const struct store_ops pg_ops = {
	.name = "postgresql",
	.close = pg_close,
	.begin = pg_begin,
	.commit = pg_commit,
	.abort = pg_abort,
	.user_get = pg_user_get,
	.user_put = pg_user_put,
	.user_del = pg_user_del,
	.user_scan = pg_user_scan,
	.user_count = pg_user_count,
	.history_get = pg_history_get,
	.history_put = pg_history_put,
	.history_del = pg_history_del,
	.otp_get = pg_otp_get,
	.otp_put = pg_otp_put,
	.otp_del = pg_otp_del,
	.otp_count = pg_otp_count,
	.meta_get = pg_meta_get,
	.meta_put = pg_meta_put,
	.audit_put = pg_audit_put,
	.audit_scan = pg_audit_scan,
	.backup = pg_backup,
	.writable = pg_writable,
	.slots = pg_slots,
	.slot_add = pg_slot_add,
	.slot_del = pg_slot_del,
};

/*
 * The schema, version by version: DDL[v - 1] takes a database from
 * version v - 1 to v.  Run by --init-db as the schema's owner.
 */
static const char *const DDL[] = {
	/* 1 */
	"CREATE SCHEMA IF NOT EXISTS pwadmin;"
	"CREATE TABLE pwadmin.meta ("
	" key text COLLATE \"C\" PRIMARY KEY,"
	" value bytea NOT NULL CHECK (length(value) <= 64));"
	"CREATE TABLE pwadmin.users ("
	" name text COLLATE \"C\" PRIMARY KEY"
	"  CHECK (octet_length(name) BETWEEN 1 AND 64),"
	" role smallint NOT NULL CHECK (role BETWEEN 1 AND 3),"
	" suspended boolean NOT NULL,"
	" login_hash text NOT NULL, login_failures bigint NOT NULL"
	"  CHECK (login_failures BETWEEN 0 AND 4294967295),"
	" login_locked boolean NOT NULL, login_must_change boolean NOT NULL,"
	" login_changed_at bigint NOT NULL,"
	" confirm_hash text NOT NULL, confirm_failures bigint NOT NULL"
	"  CHECK (confirm_failures BETWEEN 0 AND 4294967295),"
	" confirm_locked boolean NOT NULL,"
	" confirm_must_change boolean NOT NULL,"
	" confirm_changed_at bigint NOT NULL,"
	" otp_state smallint NOT NULL CHECK (otp_state BETWEEN 0 AND 255),"
	" otp_failures bigint NOT NULL"
	"  CHECK (otp_failures BETWEEN 0 AND 4294967295),"
	" created_at bigint NOT NULL);"
	"CREATE TABLE pwadmin.history ("
	" name text COLLATE \"C\" NOT NULL, factor smallint NOT NULL,"
	" pos smallint NOT NULL, hash text NOT NULL,"
	" PRIMARY KEY (name, factor, pos));"
	"CREATE TABLE pwadmin.otp ("
	" name text COLLATE \"C\" PRIMARY KEY, pending boolean NOT NULL,"
	" tries smallint NOT NULL, last_step bigint NOT NULL"
	"  CHECK (last_step >= 0),"
	" nonce bytea NOT NULL, box bytea NOT NULL);"
	"CREATE TABLE pwadmin.audit ("
	" seq bigint PRIMARY KEY CHECK (seq >= 1), time bigint NOT NULL,"
	" uid bigint NOT NULL, actor text NOT NULL, action text NOT NULL,"
	" target text NOT NULL, status integer NOT NULL,"
	" detail text NOT NULL, host text NOT NULL, hash bytea NOT NULL,"
	" db_user text NOT NULL DEFAULT session_user);"
	/* the log only grows: an entry numbered right after the last, never
	 * changed, never removed (the runtime role may not even try) */
	"CREATE FUNCTION pwadmin.audit_append_only() RETURNS trigger"
	" LANGUAGE plpgsql AS $$ BEGIN"
	"  IF TG_OP <> 'INSERT' THEN"
	"   RAISE EXCEPTION 'the audit log is append-only';"
	"  END IF;"
	"  IF NEW.seq <> (SELECT coalesce(max(seq), 0) + 1 FROM pwadmin.audit)"
	"  THEN RAISE EXCEPTION 'audit entry % is not the next', NEW.seq;"
	"  END IF;"
	"  NEW.db_user := session_user;"
	"  RETURN NEW; END $$;"
	"CREATE TRIGGER audit_append_only BEFORE INSERT OR UPDATE OR DELETE"
	" ON pwadmin.audit FOR EACH ROW"
	" EXECUTE FUNCTION pwadmin.audit_append_only();"
	"CREATE TABLE pwadmin.slots ("
	" id bigserial PRIMARY KEY, name text COLLATE \"C\" NOT NULL,"
	" factor smallint NOT NULL, host text NOT NULL,"
	" expires bigint NOT NULL);"
	"CREATE INDEX slots_of ON pwadmin.slots (name, factor);",
};
#define SCHEMA_LATEST ((int)(sizeof(DDL) / sizeof(DDL[0])))

/* The schema version stored in the database: 0 when it has none. */
static int
schema_of(PGconn *c, int *version, char *err, size_t errsz)
{
	PGresult *res;
	long long v = 0;
	const char *s;
	char *end;

	*version = 0;
	res = pg_PQexec(c, "SELECT to_regclass('pwadmin.meta') IS NOT NULL");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		snprintf(err, errsz, "%s", PQerrorMessage(c));
		PQclear(res);
		return PW_ERR_STORE;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		PQclear(res);
		return PW_OK;
	}
	PQclear(res);
	res = pg_PQexec(c, "SELECT convert_from(value, 'UTF8') FROM pwadmin.meta "
	    "WHERE key = 'schema'");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		snprintf(err, errsz, "the schema has no version: %s",
		    PQerrorMessage(c));
		PQclear(res);
		return PW_ERR_STORE;
	}
	s = PQgetvalue(res, 0, 0);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 1000000) {
		snprintf(err, errsz, "the schema version does not decode");
		PQclear(res);
		return PW_ERR_STORE;
	}
	PQclear(res);
	*version = (int)v;
	return PW_OK;
}

/* Whether a host list names a host reached over TCP (not a socket dir). */
static bool
over_tcp(const char *hosts)
{
	const char *p = hosts;
	size_t n;

	for (;;) {
		n = strcspn(p, ",");
		if (n > 0 && p[0] != '/' && p[0] != '@')
			return true;
		if (p[n] == '\0')
			return false;
		p += n + 1;
	}
}

/*
 * A conninfo that carries a password (a passfile is the way), or reaches a
 * host over TCP without verify-full, is refused.
 */
static int
check_conninfo(const char *conninfo, char *err, size_t errsz)
{
	PQconninfoOption *opts, *o;
	char *perr = NULL;
	bool tcp = false, full = false;
	int r = PW_OK;

	if ((opts = PQconninfoParse(conninfo, &perr)) == NULL) {
		snprintf(err, errsz, "postgresql: %s", perr != NULL ? perr :
		    "out of memory");
		PQfreemem(perr);
		return PW_ERR_INVAL;
	}
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "password") == 0) {
			snprintf(err, errsz, "postgresql: a password may not be "
			    "written in the configuration; use a passfile");
			r = PW_ERR_INVAL;
		} else if (strcmp(o->keyword, "host") == 0 && over_tcp(o->val))
			tcp = true;
		else if (strcmp(o->keyword, "hostaddr") == 0)
			tcp = true;
		else if (strcmp(o->keyword, "sslmode") == 0)
			full = strcmp(o->val, "verify-full") == 0;
	}
	PQconninfoFree(opts);
	/* rows read over a network decide logins: the server must prove
	 * its name, and nobody in between may read or change them */
	if (r == PW_OK && tcp && !full) {
		snprintf(err, errsz, "postgresql: a host reached over TCP needs "
		    "sslmode=verify-full (and sslrootcert= its CA)");
		r = PW_ERR_INVAL;
	}
	return r;
}

static int
new_backend(const char *conninfo, struct store_backend **bp, char *err,
    size_t errsz)
{
	struct store_backend *b;
	int r;

	*bp = NULL;
	if ((r = check_conninfo(conninfo, err, errsz)) != PW_OK)
		return r;
	if (strlen(conninfo) >= PWD_CONNINFO_MAX) {
		snprintf(err, errsz, "postgresql: the conninfo is too long");
		return PW_ERR_TOOLONG;
	}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return PW_ERR_NOMEM;
	memcpy(b->conninfo, conninfo, strlen(conninfo) + 1);
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	*bp = b;
	return PW_OK;
}

int
store_pg_open(const char *conninfo, struct store_backend **bp,
    const struct store_ops **ops, char *err, size_t errsz)
{
	struct store_backend *b;
	int r, version;
	char why[256];

	if ((r = new_backend(conninfo, &b, err, errsz)) != PW_OK)
		return r;
	if ((b->pool[0].c = connect_one(b, true, why, sizeof(why))) == NULL) {
		snprintf(err, errsz, "postgresql: %s", why);
		r = PW_ERR_STORE;
	} else if ((r = schema_of(b->pool[0].c, &version, err, errsz)) == PW_OK) {
		if (version == 0)
			snprintf(err, errsz, "postgresql: the database has no "
			    "pwadmin schema (run pwadmind --init-db)");
		else if (version > SCHEMA_LATEST)
			snprintf(err, errsz, "postgresql: the schema is version "
			    "%d, newer than this pwadmind knows (%d)", version,
			    SCHEMA_LATEST);
		else if (version < SCHEMA_LATEST)
			snprintf(err, errsz, "postgresql: the schema is version "
			    "%d; run pwadmind --init-db to upgrade it to %d",
			    version, SCHEMA_LATEST);
		if (version != SCHEMA_LATEST)
			r = PW_ERR_STORE;
	}
	if (r != PW_OK) {
		pg_close(b);
		return r;
	}
	*bp = b;
	*ops = &pg_ops;
	return PW_OK;
}

int
store_pg_init_db(const char *conninfo, char *msg, size_t msgsz)
{
	struct store_backend *b;
	PGresult *res;
	PGconn *c;
	char ver[16];
	int r, version, v;

	if ((r = new_backend(conninfo, &b, msg, msgsz)) != PW_OK)
		return r;
	if ((c = connect_one(b, false, msg, msgsz)) == NULL) {
		pg_close(b);
		return PW_ERR_STORE;
	}
	b->pool[0].c = c;
	/* one transaction: a concurrent --init-db waits, then sees it done */
	res = pg_PQexec(c, "BEGIN; SELECT pg_advisory_xact_lock(x'" FLEET_LOCK
	    "'::bigint)");
	if (PQresultStatus(res) != PGRES_TUPLES_OK ||
	    (r = schema_of(c, &version, msg, msgsz)) != PW_OK) {
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			snprintf(msg, msgsz, "%s", PQerrorMessage(c));
		PQclear(res);
		pg_close(b);
		return PW_ERR_STORE;
	}
	PQclear(res);
	if (version > SCHEMA_LATEST) {
		snprintf(msg, msgsz, "the schema is version %d, newer than this "
		    "pwadmind knows (%d): nothing changed", version,
		    SCHEMA_LATEST);
		pg_close(b);
		return PW_ERR_VERSION;
	}
	for (v = version; v < SCHEMA_LATEST; v++) {
		res = pg_PQexec(c, DDL[v]);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			snprintf(msg, msgsz, "schema version %d: %s", v + 1,
			    PQerrorMessage(c));
			PQclear(res);
			pg_close(b);
			return PW_ERR_STORE;
		}
		PQclear(res);
	}
	snprintf(ver, sizeof(ver), "%d", SCHEMA_LATEST);
	{
		const char *p[1] = { ver };

		res = pg_PQexecParams(c, "INSERT INTO pwadmin.meta (key, value) "
		    "VALUES ('schema', convert_to($1, 'UTF8')) ON CONFLICT (key) "
		    "DO UPDATE SET value = convert_to($1, 'UTF8')", 1, NULL, p,
		    NULL, NULL, 0);
	}
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(msg, msgsz, "%s", PQerrorMessage(c));
		PQclear(res);
		pg_close(b);
		return PW_ERR_STORE;
	}
	PQclear(res);
	/* the runtime role: may read and write rows, never change the schema */
	res = pg_PQexec(c, "GRANT USAGE ON SCHEMA pwadmin TO pwadmind_runtime; "
	    "GRANT SELECT, INSERT, UPDATE, DELETE ON pwadmin.users, "
	    "pwadmin.history, pwadmin.otp, pwadmin.meta, pwadmin.slots TO "
	    "pwadmind_runtime; GRANT SELECT, INSERT ON pwadmin.audit TO "
	    "pwadmind_runtime; GRANT USAGE ON ALL SEQUENCES IN SCHEMA pwadmin "
	    "TO pwadmind_runtime; COMMIT");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(msg, msgsz, "%s(create the role first: CREATE ROLE "
		    "pwadmind_runtime NOLOGIN)", PQerrorMessage(c));
		PQclear(res);
		pg_close(b);
		return PW_ERR_STORE;
	}
	PQclear(res);
	if (version == SCHEMA_LATEST)
		snprintf(msg, msgsz, "schema version %d is current: nothing to "
		    "do", SCHEMA_LATEST);
	else if (version == 0)
		snprintf(msg, msgsz, "schema version %d created", SCHEMA_LATEST);
	else
		snprintf(msg, msgsz, "schema upgraded from version %d to %d",
		    version, SCHEMA_LATEST);
	pg_close(b);
	return PW_OK;
}
