/* SPDX-License-Identifier: MIT */
/*
 * pwadmin's calls to the daemon: trust set, one exchange, one exchange
 * passing a file descriptor, LIST and AUDIT paging.
 */
#ifndef PW_CALL_H
#define PW_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "proto.h"

#define CALL_TIMEOUT_MS 60000 /* ms for one exchange (hashes may queue) */
#define CALL_BACKUP_TIMEOUT_MS 600000 /* ms for BACKUP (copies the store) */

struct call {
	const char *socket;
	struct conn_trust trust; /* root, the caller, the daemon user */
	int timeout_ms;
	/* One exchange: conn_call() unless a test puts a fake here. */
	int (*fn)(const struct call *c, const struct pw_request *req,
	    struct pw_reply *rep);
	/* The same, passing fd after the request: conn_call_pass(). */
	int (*fn_pass)(const struct call *c, const struct pw_request *req,
	    int fd, struct pw_reply *rep);
	void *arg; /* for the fake */
};

/*
 * Prepares calls to the daemon at `socket' (not copied): the trust set
 * {0, getuid(), the uid of PW_DAEMON_USER_DEFAULT if it exists}, a timeout of
 * CALL_TIMEOUT_MS, conn_call() and conn_call_pass() as transports.
 */
void call_init(struct call *c, const char *socket);

/*
 * One request/reply exchange.  Returns the transport error (rep is then
 * cleared), or else the daemon's status (PW_OK or a refusal, with rep->msg
 * perhaps saying why).  The caller still owns and wipes *req.
 */
int call_one(const struct call *c, const struct pw_request *req,
    struct pw_reply *rep) PW_WUR;

/*
 * As call_one, and the descriptor fd (>= 0, still the caller's) is passed
 * to the daemon right after the request (BACKUP writes into it).
 */
int call_pass(const struct call *c, const struct pw_request *req, int fd,
    struct pw_reply *rep) PW_WUR;

/*
 * LIST with `flags', page after page (cursor = the last name of a page)
 * until `more' is 0.  On PW_OK, *accts (malloc'd, the caller frees; NULL
 * when *np is 0) holds every account in order.  Fails with call_one's
 * result (rep holds the failing reply), PW_ERR_PROTO when a page does not
 * advance past the cursor, or PW_ERR_NOMEM; *accts is then NULL.
 */
int call_list(const struct call *c, uint32_t flags, struct pw_reply *rep,
    struct pw_account **accts, size_t *np) PW_WUR;

/*
 * AUDIT of the entries at or after unix time `since', page after page
 * (after = the last sequence number of a page) until `more' is 0.  On
 * PW_OK, *entries (malloc'd, the caller frees; NULL when *np is 0) holds
 * every entry, oldest first.  Fails as call_list, and with PW_ERR_PROTO
 * when sequence numbers do not increase or a page that announces more
 * brings no entry; *entries is then NULL.
 */
int call_audit(const struct call *c, uint64_t since, struct pw_reply *rep,
    struct pw_audit **entries, size_t *np) PW_WUR;

#endif
