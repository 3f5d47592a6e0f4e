/* SPDX-License-Identifier: MIT */
/* Client side of the daemon socket: trusted connect and one call. */
#ifndef PW_CONN_H
#define PW_CONN_H

#include <sys/types.h>

#include "proto.h"

#define PW_TRUST_MAX 4

/* Where the daemon listens, and the account it runs as, unless told. */
#define PW_SOCKET_DEFAULT      "/run/pwadmin/pwadmind.sock"
#define PW_DAEMON_USER_DEFAULT "pwadmin"

/* The uids allowed to own the socket and to be the daemon (SO_PEERCRED). */
struct conn_trust {
	uid_t uid[PW_TRUST_MAX];
	size_t n;
};

/* Adds uid to the set (ignored when full or already present). */
void conn_trust_add(struct conn_trust *t, uid_t uid);

/*
 * The set the module and the client trust: root, `self' (the caller's
 * uid: the client's real one, the module's effective one) and
 * daemon_user's uid when the user database knows it (NULL: none).
 * Returns PW_OK, or PW_ERR_NOUSER when daemon_user is unknown (the set
 * holds the others), or PW_ERR_NOMEM.
 */
int conn_trust_default(struct conn_trust *t, uid_t self,
    const char *daemon_user) PW_WUR;

/*
 * Connects to the daemon at `path' and returns the fd (>= 3, close-on-exec)
 * in *fdp.  Before connecting, the path must be a socket owned by a trusted
 * uid; after connecting, SO_PEERCRED must name a trusted uid.  Both checks
 * fail with PW_ERR_UNTRUSTED; a missing or refusing socket gives
 * PW_ERR_CONNECT.  *fdp is -1 on failure.
 */
int conn_open(const char *path, const struct conn_trust *trust,
    int timeout_ms, int *fdp) PW_WUR;

/*
 * One request/reply exchange on a fresh connection: encode, send, receive,
 * decode, close.  Every buffer that held the request is wiped before it is
 * freed; the caller still owns and wipes *req.  The reply's type is checked.
 */
int conn_call(const char *path, const struct conn_trust *trust,
    int timeout_ms, const struct pw_request *req, struct pw_reply *rep) PW_WUR;

/*
 * conn_call, and after the request the descriptor passfd (>= 0) is passed
 * to the daemon (SCM_RIGHTS): BACKUP writes its copy into it.
 */
int conn_call_pass(const char *path, const struct conn_trust *trust,
    int timeout_ms, const struct pw_request *req, int passfd,
    struct pw_reply *rep) PW_WUR;

/* The same exchange on an fd the caller opened (and still owns). */
int conn_call_fd(int fd, int timeout_ms, const struct pw_request *req,
    struct pw_reply *rep) PW_WUR;

#endif
