/* SPDX-License-Identifier: MIT */
/*
 * pwadmin's calls to the daemon: trust set, one exchange, one exchange
 * passing a file descriptor, LIST and AUDIT paging.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "pwerr.h"
#include "util.h"

static int
call_conn(const struct call *c, const struct pw_request *req,
    struct pw_reply *rep)
{
	return conn_call(c->socket, &c->trust, c->timeout_ms, req, rep);
}

static int
call_conn_pass(const struct call *c, const struct pw_request *req, int fd,
    struct pw_reply *rep)
{
	return conn_call_pass(c->socket, &c->trust, c->timeout_ms, req, fd,
	    rep);
}

void
call_init(struct call *c, const char *socket)
{
	memset(c, 0, sizeof(*c));
	c->socket = socket;
	c->timeout_ms = CALL_TIMEOUT_MS;
	c->fn = call_conn;
	c->fn_pass = call_conn_pass;
	/* without the daemon's user, root and ourselves are trusted, and
	 * the daemon is then root's: nothing more to do either way */
	if (conn_trust_default(&c->trust, getuid(), PW_DAEMON_USER_DEFAULT) !=
	    PW_OK)
		return;
}

int
call_one(const struct call *c, const struct pw_request *req,
    struct pw_reply *rep)
{
	int r;

	if ((r = c->fn(c, req, rep)) != PW_OK) {
		memset(rep, 0, sizeof(*rep));
		return r;
	}
	return rep->status;
}

int
call_pass(const struct call *c, const struct pw_request *req, int fd,
    struct pw_reply *rep)
{
	int r;

	if ((r = c->fn_pass(c, req, fd, rep)) != PW_OK) {
		memset(rep, 0, sizeof(*rep));
		return r;
	}
	return rep->status;
}

/* Appends a page to *all (capacity *capp, *np used). */
static int
append(struct pw_account **all, size_t *capp, size_t *np,
    const struct pw_reply *rep)
{
	struct pw_account *p;

	if ((p = pw_grow(*all, capp, *np + rep->naccts, sizeof(*p),
	    PW_ACCTS_MAX)) == NULL)
		return PW_ERR_NOMEM;
	*all = p;
	if (rep->naccts > 0)
		memcpy(*all + *np, rep->accts, rep->naccts * sizeof(**all));
	*np += rep->naccts;
	return PW_OK;
}

int
call_list(const struct call *c, uint32_t flags, struct pw_reply *rep,
    struct pw_account **accts, size_t *np)
{
	struct pw_account *all = NULL;
	struct pw_request req;
	size_t n = 0, cap = 0;
	const char *last;
	int r;

	*accts = NULL;
	*np = 0;
	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_LIST;
	req.flags = flags;
	for (;;) {
		if ((r = call_one(c, &req, rep)) != PW_OK ||
		    (r = append(&all, &cap, &n, rep)) != PW_OK || !rep->more)
			break;
		/* Names are sorted: a page must end past the cursor. */
		last = rep->naccts > 0 ? rep->accts[rep->naccts - 1].name : "";
		if (strcmp(last, req.cursor) <= 0) {
			r = PW_ERR_PROTO;
			break;
		}
		(void)snprintf(req.cursor, sizeof(req.cursor), "%s", last);
	}
	if (r != PW_OK) {
		free(all);
		return r;
	}
	*accts = all;
	*np = n;
	return PW_OK;
}

/*
 * Appends an AUDIT page to *all (capacity *capp, *np used); its sequence
 * numbers must rise above *lastp, which ends at the page's last one.
 */
static int
append_audit(struct pw_audit **all, size_t *capp, size_t *np,
    uint64_t *lastp, const struct pw_reply *rep)
{
	struct pw_audit *p;
	uint32_t i;

	for (i = 0; i < rep->naudit; i++) {
		if (rep->audit[i].seq <= *lastp)
			return PW_ERR_PROTO;
		*lastp = rep->audit[i].seq;
	}
	if ((p = pw_grow(*all, capp, *np + rep->naudit, sizeof(*p),
	    PW_AUDIT_MAX * 16)) == NULL)
		return PW_ERR_NOMEM;
	*all = p;
	if (rep->naudit > 0)
		memcpy(*all + *np, rep->audit, rep->naudit * sizeof(**all));
	*np += rep->naudit;
	return PW_OK;
}

int
call_audit(const struct call *c, uint64_t since, struct pw_reply *rep,
    struct pw_audit **entries, size_t *np)
{
	struct pw_audit *all = NULL;
	struct pw_request req;
	size_t n = 0, cap = 0;
	int r;

	*entries = NULL;
	*np = 0;
	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_AUDIT;
	req.since = since;
	for (;;) {
		/* req.after ends at the last sequence number received. */
		if ((r = call_one(c, &req, rep)) != PW_OK ||
		    (r = append_audit(&all, &cap, &n, &req.after, rep)) !=
		    PW_OK || !rep->more)
			break;
		if (rep->naudit == 0) {
			r = PW_ERR_PROTO; /* more, but no progress */
			break;
		}
	}
	if (r != PW_OK) {
		free(all);
		return r;
	}
	*entries = all;
	*np = n;
	return PW_OK;
}
