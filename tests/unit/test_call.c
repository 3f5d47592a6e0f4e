/* SPDX-License-Identifier: MIT */
/* The client's calls through fake transports: LIST and AUDIT paging, the
 * descriptor of BACKUP, the PASSWD request. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <qrencode.h>

#include "admin.h"
#include "call.h"
#include "cli.h"
#include "otp.h"
#include "output.h"
#include "passwd.h"
#include "prompt.h"
#include "client_fixture.h"
#include "pwerr.h"

/* ---- LIST paging through a fake transport ---- */

struct fake {
	int calls;
	int pages;	/* pages the fake daemon has */
	int fail_at;	/* call that gets a refusal (0 = none) */
	bool stuck;	/* answer every page with the same names */
	char cursor[4][PW_USER_MAX + 1];
};

static int
fake_list(const struct call *c, const struct pw_request *req,
    struct pw_reply *rep)
{
	struct fake *f = c->arg;
	int page = f->stuck ? 0 : f->calls;
	uint32_t i;

	memset(rep, 0, sizeof(*rep));
	assert_int_equal(req->type, PW_REQ_LIST);
	assert_int_equal(req->flags, PW_F_LOCKED_ONLY);
	if (f->calls < 4)
		memcpy(f->cursor[f->calls], req->cursor, sizeof(req->cursor));
	if (++f->calls == f->fail_at) {
		rep->status = PW_ERR_PERM;
		rep->why.code = PW_R_DENY;
		return PW_OK;
	}
	if (f->calls > 8)
		return PW_ERR_IO;
	rep->naccts = page == f->pages - 1 ? 3 : PW_ACCTS_MAX;
	for (i = 0; i < rep->naccts; i++)
		snprintf(rep->accts[i].name, sizeof(rep->accts[i].name),
		    "u%d-%03u", page, i);
	rep->more = page < f->pages - 1;
	return PW_OK;
}

static void
test_list_paging(void **state)
{
	struct fake f = { .pages = 3 };
	struct pw_account *a;
	struct pw_reply *rep;
	struct call c;
	size_t n;

	(void)state;
	assert_non_null(rep = calloc(1, sizeof(*rep)));
	call_init(&c, "/nonexistent");
	assert_int_equal(c.timeout_ms, 60000);
	c.fn = fake_list;
	c.arg = &f;
	assert_int_equal(call_list(&c, PW_F_LOCKED_ONLY, rep, &a, &n), PW_OK);
	assert_int_equal(f.calls, 3);
	assert_int_equal(n, 2 * PW_ACCTS_MAX + 3);
	assert_string_equal(f.cursor[0], "");
	assert_string_equal(f.cursor[1], "u0-255");
	assert_string_equal(f.cursor[2], "u1-255");
	assert_string_equal(a[0].name, "u0-000");
	assert_string_equal(a[PW_ACCTS_MAX].name, "u1-000");
	assert_string_equal(a[n - 1].name, "u2-002");
	free(a);

	/* A refusal on the second page: its status and message, no accounts. */
	memset(&f, 0, sizeof(f));
	f.pages = 3;
	f.fail_at = 2;
	assert_int_equal(call_list(&c, PW_F_LOCKED_ONLY, rep, &a, &n),
	    PW_ERR_PERM);
	assert_int_equal(rep->why.code, PW_R_DENY);
	assert_null(a);
	assert_int_equal(n, 0);

	/* A daemon that does not advance: refused, not an endless loop. */
	memset(&f, 0, sizeof(f));
	f.pages = 3;
	f.stuck = true;
	assert_int_equal(call_list(&c, PW_F_LOCKED_ONLY, rep, &a, &n),
	    PW_ERR_PROTO);
	assert_int_equal(f.calls, 2);
	assert_null(a);
	free(rep);
}

static void
test_call_transport_error(void **state)
{
	struct pw_request req;
	struct pw_reply *rep;
	struct call c;

	(void)state;
	assert_non_null(rep = calloc(1, sizeof(*rep)));
	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_STATS;
	call_init(&c, "/nonexistent/pwadmind.sock");
	assert_true(c.trust.n >= 1 && c.trust.uid[0] == 0);
	assert_int_equal(call_one(&c, &req, rep), PW_ERR_CONNECT);
	assert_int_equal(rep->why.code, PW_R_NONE);
	free(rep);
}

/* ---- AUDIT paging through a fake transport ---- */

struct fake_audit {
	int calls;
	int pages;	/* pages of PW_AUDIT_MAX entries, the last one of 5 */
	int fail_at;	/* call that gets a refusal (0 = none) */
	bool stuck;	/* every page starts again at seq 1 */
	bool empty_more; /* the second page is empty but says more */
	uint64_t since[4], after[4];
};

static int
fake_audit(const struct call *c, const struct pw_request *req,
    struct pw_reply *rep)
{
	struct fake_audit *f = c->arg;
	uint64_t base;
	uint32_t i;
	int page = f->calls;

	memset(rep, 0, sizeof(*rep));
	assert_int_equal(req->type, PW_REQ_AUDIT);
	assert_int_equal(req->nsecrets, 0);
	if (f->calls < 4) {
		f->since[f->calls] = req->since;
		f->after[f->calls] = req->after;
	}
	if (++f->calls == f->fail_at) {
		rep->status = PW_ERR_PERM;
		rep->why.code = PW_R_DENY_MASTER;
		return PW_OK;
	}
	if (f->calls > 8)
		return PW_ERR_IO;
	base = f->stuck ? 0 : (uint64_t)page * PW_AUDIT_MAX;
	rep->naudit = page == f->pages - 1 ? 5 : PW_AUDIT_MAX;
	if (f->empty_more && page == 1)
		rep->naudit = 0;
	for (i = 0; i < rep->naudit; i++)
		rep->audit[i].seq = base + i + 1;
	rep->more = page < f->pages - 1;
	return PW_OK;
}

static void
test_audit_paging(void **state)
{
	struct fake_audit f = { .pages = 3 };
	struct pw_audit *e;
	struct pw_reply *rep;
	struct call c;
	size_t n;

	(void)state;
	assert_non_null(rep = calloc(1, sizeof(*rep)));
	call_init(&c, "/nonexistent");
	c.fn = fake_audit;
	c.arg = &f;
	assert_int_equal(call_audit(&c, 1795737600, rep, &e, &n), PW_OK);
	assert_int_equal(f.calls, 3);
	assert_int_equal(n, 2 * PW_AUDIT_MAX + 5);
	assert_int_equal(f.since[0], 1795737600);
	assert_int_equal(f.since[2], 1795737600);
	assert_int_equal(f.after[0], 0);
	assert_int_equal(f.after[1], PW_AUDIT_MAX);
	assert_int_equal(f.after[2], 2 * PW_AUDIT_MAX);
	assert_int_equal(e[0].seq, 1);
	assert_int_equal(e[n - 1].seq, 2 * PW_AUDIT_MAX + 5);
	free(e);

	/* One page with nothing in it. */
	memset(&f, 0, sizeof(f));
	f.pages = 1;
	assert_int_equal(call_audit(&c, 0, rep, &e, &n), PW_OK);
	assert_int_equal(n, 5);
	free(e);

	/* A refusal on the second page: its status and message. */
	memset(&f, 0, sizeof(f));
	f.pages = 3;
	f.fail_at = 2;
	assert_int_equal(call_audit(&c, 0, rep, &e, &n), PW_ERR_PERM);
	assert_int_equal(rep->why.code, PW_R_DENY_MASTER);
	assert_null(e);
	assert_int_equal(n, 0);

	/* Sequence numbers that do not rise: refused, no endless loop. */
	memset(&f, 0, sizeof(f));
	f.pages = 3;
	f.stuck = true;
	assert_int_equal(call_audit(&c, 0, rep, &e, &n), PW_ERR_PROTO);
	assert_int_equal(f.calls, 2);
	assert_null(e);

	/* "more" on an empty page: no progress, refused. */
	memset(&f, 0, sizeof(f));
	f.pages = 3;
	f.empty_more = true;
	assert_int_equal(call_audit(&c, 0, rep, &e, &n), PW_ERR_PROTO);
	assert_int_equal(f.calls, 2);
	assert_null(e);
	free(rep);
}

/* ---- BACKUP: the descriptor travels through call_pass ---- */

static int
fake_pass(const struct call *c, const struct pw_request *req, int fd,
    struct pw_reply *rep)
{
	int *got = c->arg;

	memset(rep, 0, sizeof(*rep));
	assert_int_equal(req->type, PW_REQ_BACKUP);
	*got = fd;
	if (write(fd, "copy", 4) != 4)
		return PW_ERR_IO;
	rep->status = PW_OK;
	return PW_OK;
}

static int
fake_pass_down(const struct call *c, const struct pw_request *req, int fd,
    struct pw_reply *rep)
{
	(void)c;
	(void)req;
	(void)fd;
	rep->status = PW_ERR_STORE;
	rep->why.code = PW_R_FAILED;
	return PW_ERR_TIMEOUT;
}

static void
test_call_pass(void **state)
{
	struct pw_request req;
	struct pw_reply *rep;
	struct call c;
	char buf[8];
	int p[2], got = -1;

	(void)state;
	assert_non_null(rep = calloc(1, sizeof(*rep)));
	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_BACKUP;
	call_init(&c, "/nonexistent/pwadmind.sock");
	assert_non_null(c.fn_pass);
	/* The real transport: unreachable, reply cleared. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(call_pass(&c, &req, p[1], rep), PW_ERR_CONNECT);

	c.fn_pass = fake_pass;
	c.arg = &got;
	assert_int_equal(call_pass(&c, &req, p[1], rep), PW_OK);
	assert_int_equal(got, p[1]);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 4);

	/* A transport error clears what the reply held. */
	c.fn_pass = fake_pass_down;
	assert_int_equal(call_pass(&c, &req, p[1], rep), PW_ERR_TIMEOUT);
	assert_int_equal(rep->status, PW_OK);
	assert_int_equal(rep->why.code, PW_R_NONE);
	close(p[0]);
	close(p[1]);
	free(rep);
}

/* ---- PASSWD: the caller's name, the request, through a fake transport ---- */


struct self_case {
	uid_t uid;
	char name[PW_USER_MAX + 1];
	size_t namesz;
	int ex;
};

static void
run_self(void *arg)
{
	struct self_case *sc = arg;

	sc->ex = passwd_self(sc->uid, sc->name, sc->namesz);
}

static void
test_passwd_self(void **state)
{
	struct self_case sc;
	struct passwd *pw;
	char *err;

	(void)state;
	/* The caller's own name, as NSS has it. */
	memset(&sc, 0, sizeof(sc));
	sc.uid = getuid();
	sc.namesz = sizeof(sc.name);
	pw = getpwuid(getuid());
	if (pw != NULL && proto_name_valid(pw->pw_name)) {
		err = capture_stderr(run_self, &sc);
		assert_int_equal(sc.ex, CLI_EXIT_OK);
		assert_string_equal(sc.name, pw->pw_name);
		assert_string_equal(err, "");
		free(err);
		/* A name that does not fit: refused, never cut. */
		sc.namesz = strlen(pw->pw_name);
		err = capture_stderr(run_self, &sc);
		assert_int_equal(sc.ex, CLI_EXIT_REFUSED);
		assert_string_equal(sc.name, "");
		assert_non_null(strstr(err, "is not a valid pwadmin account "
		    "name"));
		free(err);
	}
	/* A uid without a passwd entry: one line, refused. */
	memset(&sc, 0, sizeof(sc));
	sc.uid = (uid_t)3999999999u;
	sc.namesz = sizeof(sc.name);
	snprintf(sc.name, sizeof(sc.name), "stale");
	err = capture_stderr(run_self, &sc);
	assert_int_equal(sc.ex, CLI_EXIT_REFUSED);
	assert_string_equal(sc.name, "");
	assert_string_equal(err, "pwadmin: your user id 3999999999 has no "
	    "entry in the user database\n");
	free(err);
}

struct fake_passwd {
	int calls;
	int transport;		/* transport error to return (PW_OK: none) */
	int status;		/* the daemon's answer */
	struct pw_request req;	/* a copy of the request sent */
};

static int
fake_passwd(const struct call *c, const struct pw_request *req,
    struct pw_reply *rep)
{
	struct fake_passwd *f = c->arg;

	memset(rep, 0, sizeof(*rep));
	f->calls++;
	f->req = *req;
	if (f->transport != PW_OK)
		return f->transport;
	rep->type = PW_REQ_PASSWD | PW_REPLY;
	rep->status = f->status;
	if (f->status != PW_OK) {
		rep->why.code = PW_R_WRONG_CURRENT;
		return PW_OK;
	}
	rep->naccts = 1;
	snprintf(rep->accts[0].name, sizeof(rep->accts[0].name), "%s",
	    req->user);
	rep->accts[0].role = PW_ROLE_USER;
	return PW_OK;
}

/* One passwd run: `flags', secrets from a pipe, a fake daemon. */
struct passwd_case {
	struct call call;
	struct prompt_src src;
	struct pw_reply *rep;
	uint32_t flags;
	int ex;
};

static void
run_passwd(void *arg)
{
	struct passwd_case *pc = arg;

	pc->ex = passwd_change(&pc->call, &pc->src, "alice", pc->flags,
	    pc->rep);
}

static void
passwd_setup(struct passwd_case *pc, struct fake_passwd *f, const char *in,
    uint32_t flags)
{
	memset(f, 0, sizeof(*f));
	memset(pc->rep, 0, sizeof(*pc->rep));
	call_init(&pc->call, "/run/test.sock");
	pc->call.fn = fake_passwd;
	pc->call.arg = f;
	pc->src.use_stdin = true;
	pc->src.fd = feed(in, strlen(in));
	pc->flags = flags;
	pc->ex = -1;
}

/* The request of one flag combination; the rest of the input is left. */
static void
check_passwd_req(const char *in, uint32_t flags, const char *const want[4])
{
	struct passwd_case pc;
	struct fake_passwd f;
	char buf[64], *err;
	size_t n, i;

	assert_non_null(pc.rep = calloc(1, sizeof(*pc.rep)));
	passwd_setup(&pc, &f, in, flags);
	err = capture_stderr(run_passwd, &pc);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(pc.ex, CLI_EXIT_OK);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.req.type, PW_REQ_PASSWD);
	assert_int_equal(f.req.flags, flags);
	assert_string_equal(f.req.user, "alice");
	assert_string_equal(f.req.service, "pwadmin");
	assert_string_equal(f.req.rhost, "");
	assert_int_equal(f.req.ntargets, 0);
	assert_int_equal(f.req.nsecrets, 4);
	for (i = 0; i < 4; i++)
		assert_secret(&f.req.secret[i], want[i]);
	assert_int_equal(pc.rep->naccts, 1);
	assert_string_equal(pc.rep->accts[0].name, "alice");
	/* Each secret read once: the next line is still there. */
	assert_int_equal(prompt_read_line(pc.src.fd, buf, sizeof(buf), &n),
	    PW_OK);
	assert_string_equal(buf, "not-read");
	close(pc.src.fd);
	proto_wipe_req(&f.req);
	free(pc.rep);
}

static void
test_passwd_request(void **state)
{
	static const char *const login[4] = { "cur-login", "New-login-1", "",
		"" };
	static const char *const conf[4] = { "", "", "cur-conf",
		"New-conf-2" };
	static const char *const both[4] = { "cur-login", "New-login-1",
		"cur-conf", "New-conf-2" };
	struct cli c;

	(void)state;
	assert_int_equal(PARSE(&c, "passwd", "--login"), PW_OK);
	check_passwd_req("cur-login\nNew-login-1\nnot-read\n", c.flags, login);
	assert_int_equal(PARSE(&c, "passwd", "--confirm"), PW_OK);
	check_passwd_req("cur-conf\nNew-conf-2\nnot-read\n", c.flags, conf);
	assert_int_equal(PARSE(&c, "passwd"), PW_OK);
	check_passwd_req("cur-login\nNew-login-1\ncur-conf\nNew-conf-2\n"
	    "not-read\n", c.flags, both);
	assert_int_equal(PARSE(&c, "passwd", "--login", "--confirm"), PW_OK);
	check_passwd_req("cur-login\nNew-login-1\ncur-conf\nNew-conf-2\n"
	    "not-read\n", c.flags, both);
	/* A current password is taken as typed, control characters too. */
	check_passwd_req("c\x01r\nNew-login-1\nnot-read\n", PW_F_LOGIN,
	    (const char *const[4]){ "c\x01r", "New-login-1", "", "" });
}

/* Refused before anything is sent: one line, the exit status, no call. */
static void
check_passwd_early(const char *in, uint32_t flags, int ex, const char *line)
{
	struct passwd_case pc;
	struct fake_passwd f;
	char *err;

	assert_non_null(pc.rep = calloc(1, sizeof(*pc.rep)));
	passwd_setup(&pc, &f, in, flags);
	err = capture_stderr(run_passwd, &pc);
	assert_int_equal(pc.ex, ex);
	assert_int_equal(f.calls, 0);
	assert_string_equal(err, line);
	free(err);
	close(pc.src.fd);
	free(pc.rep);
}

static void
test_passwd_refusals(void **state)
{
	struct passwd_case pc;
	struct fake_passwd f;
	char *err;

	(void)state;
	/* The new login equal to the new confirmation: refused (1). */
	check_passwd_early("a\nSame-pass-1\nb\nSame-pass-1\n",
	    PW_F_LOGIN | PW_F_CONFIRM, CLI_EXIT_REFUSED,
	    "pwadmin: the login and confirmation passwords must differ\n");
	/* Standard input ends early (2). */
	check_passwd_early("cur\nNew-login-1\ncur-conf\n",
	    PW_F_LOGIN | PW_F_CONFIRM, CLI_EXIT_USAGE,
	    "pwadmin: standard input ended before your new confirmation "
	    "password was read\n");
	check_passwd_early("", PW_F_CONFIRM, CLI_EXIT_USAGE,
	    "pwadmin: standard input ended before your current confirmation "
	    "password was read\n");
	/* A control character in a new password (2). */
	check_passwd_early("cur\nnew\tpass\n", PW_F_LOGIN, CLI_EXIT_USAGE,
	    "pwadmin: your new login password is not valid UTF-8 or contains "
	    "control characters\n");

	/* The daemon refuses: its sentence, exit 1. */
	assert_non_null(pc.rep = calloc(1, sizeof(*pc.rep)));
	passwd_setup(&pc, &f, "wrong\nNew-login-1\n", PW_F_LOGIN);
	f.status = PW_ERR_AUTH;
	err = capture_stderr(run_passwd, &pc);
	assert_int_equal(pc.ex, CLI_EXIT_REFUSED);
	assert_int_equal(f.calls, 1);
	assert_string_equal(err, "pwadmin: Wrong current login password "
	    "(counted as a failed attempt); if you forgot it, a master or admin "
	    "can reset it.\n");
	free(err);
	close(pc.src.fd);
	proto_wipe_req(&f.req);

	/* The daemon cannot be reached: exit 3. */
	passwd_setup(&pc, &f, "cur\nNew-conf-2\n", PW_F_CONFIRM);
	f.transport = PW_ERR_CONNECT;
	err = capture_stderr(run_passwd, &pc);
	assert_int_equal(pc.ex, CLI_EXIT_UNREACHABLE);
	assert_string_equal(err, "pwadmin: cannot reach pwadmind at "
	    "/run/test.sock: daemon unreachable\n");
	free(err);
	close(pc.src.fd);
	proto_wipe_req(&f.req);
	free(pc.rep);
}

static void
test_passwd_text(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_passwd_text(fp, PW_F_LOGIN), PW_OK);
	assert_int_equal(output_passwd_text(fp, PW_F_CONFIRM), PW_OK);
	assert_int_equal(output_passwd_text(fp, PW_F_LOGIN | PW_F_CONFIRM),
	    PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "Changed your login password.\n"
	    "Changed your confirmation password.\n"
	    "Changed your login and confirmation passwords.\n");
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_paging),
		cmocka_unit_test(test_call_transport_error),
		cmocka_unit_test(test_audit_paging),
		cmocka_unit_test(test_call_pass),
		cmocka_unit_test(test_passwd_self),
		cmocka_unit_test(test_passwd_request),
		cmocka_unit_test(test_passwd_refusals),
		cmocka_unit_test(test_passwd_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
