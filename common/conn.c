/* SPDX-License-Identifier: MIT */
/*
 * Client side of the daemon socket, shared by the PAM module and the CLI.
 * It runs inside other programs' processes (sshd, login, sudo), so:
 *  1. It MUST NOT send a secret before both trust checks passed: the socket
 *     file's owner, then the connected daemon's SO_PEERCRED uid.
 *  2. It MUST NOT keep global state, cache an fd, install signal handlers
 *     or raise SIGPIPE (MSG_NOSIGNAL).
 *  3. It MUST NOT return an fd in 0..2, nor one that survives exec.
 *  4. Every wait is bounded by the caller's timeout.
 *  5. Every buffer that held a request is wiped before it is freed.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "frame.h"
#include "pwerr.h"
#include "wipe.h"

void
conn_trust_add(struct conn_trust *t, uid_t uid)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->uid[i] == uid)
			return;
	if (t->n < PW_TRUST_MAX)
		t->uid[t->n++] = uid;
}

#define PWBUF_MIN 16384	   /* bytes: the first getpwnam_r buffer */
#define PWBUF_MAX (1L << 20) /* bytes: the largest */

int
conn_trust_default(struct conn_trust *t, uid_t self, const char *daemon_user)
{
	struct passwd pwd, *res = NULL;
	char *buf = NULL;
	size_t sz;
	int e = ERANGE, r = PW_ERR_NOUSER;

	memset(t, 0, sizeof(*t));
	conn_trust_add(t, 0);
	conn_trust_add(t, self);
	if (daemon_user == NULL)
		return PW_OK;
	for (sz = PWBUF_MIN; e == ERANGE && sz <= PWBUF_MAX; sz *= 2) {
		free(buf);
		if ((buf = malloc(sz)) == NULL)
			return PW_ERR_NOMEM;
		e = getpwnam_r(daemon_user, &pwd, buf, sz, &res);
	}
	if (e == 0 && res != NULL) {
		conn_trust_add(t, res->pw_uid);
		r = PW_OK;
	}
	free(buf);
	return r;
}

static int
trusted(const struct conn_trust *t, uid_t uid)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->uid[i] == uid)
			return 1;
	return 0;
}

/* Moves fd above the standard descriptors (a daemonised caller may have 0-2 closed). */
static int
safe_fd(int fd)
{
	int nfd;

	if (fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return nfd;
}

int
conn_open(const char *path, const struct conn_trust *trust, int timeout_ms,
    int *fdp)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = timeout_ms / 1000,
		.tv_usec = (timeout_ms % 1000) * 1000 };
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct stat st;
	int fd = -1, r;

	*fdp = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return PW_ERR_TOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) != 0)
		return PW_ERR_CONNECT;
	if (!S_ISSOCK(st.st_mode) || !trusted(trust, st.st_uid))
		return PW_ERR_UNTRUSTED;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    (fd = safe_fd(fd)) < 0)
		return PW_ERR_CONNECT;
	/* A blocking AF_UNIX connect honours SO_SNDTIMEO (full backlog). */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		/* a full backlog (EAGAIN after SO_SNDTIMEO) is unreachable too */
		r = PW_ERR_CONNECT;
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0 ||
	    !trusted(trust, cred.uid)) {
		r = PW_ERR_UNTRUSTED;
		goto fail;
	}
	*fdp = fd;
	return PW_OK;
fail:
	close(fd);
	return r;
}

/* One exchange on fd; passfd >= 0 follows the request (SCM_RIGHTS). */
static int
exchange(int fd, int timeout_ms, const struct pw_request *req, int passfd,
    struct pw_reply *rep)
{
	int64_t deadline = frame_now_ms() + timeout_ms;
	size_t cap = 4 + PW_FRAME_MAX;
	uint8_t *buf, type = 0;
	struct wire w, payload;
	int r;

	memset(rep, 0, sizeof(*rep));
	if ((buf = malloc(cap)) == NULL)
		return PW_ERR_NOMEM;
	frame_begin(&w, buf, cap, req->type);
	if ((r = proto_encode_req(&w, req)) != PW_OK ||
	    (r = frame_send(fd, &w, deadline)) != PW_OK)
		goto out;
	wire_wipe(&w);
	if (passfd >= 0 && (r = frame_send_fd(fd, passfd, deadline)) != PW_OK)
		goto out;
	if ((r = frame_recv(fd, buf, cap, &type, &payload, deadline)) != PW_OK)
		goto out;
	if (type != (req->type | PW_REPLY)) {
		r = PW_ERR_PROTO;
		goto out;
	}
	r = proto_decode_reply(&payload, type, rep);
out:
	pw_wipe(buf, cap);
	free(buf);
	return r;
}

int
conn_call_fd(int fd, int timeout_ms, const struct pw_request *req,
    struct pw_reply *rep)
{
	return exchange(fd, timeout_ms, req, -1, rep);
}

int
conn_call_pass(const char *path, const struct conn_trust *trust,
    int timeout_ms, const struct pw_request *req, int passfd,
    struct pw_reply *rep)
{
	int fd = -1, r;

	memset(rep, 0, sizeof(*rep));
	if ((r = conn_open(path, trust, timeout_ms, &fd)) != PW_OK)
		return r;
	r = exchange(fd, timeout_ms, req, passfd, rep);
	close(fd);
	return r;
}

int
conn_call(const char *path, const struct conn_trust *trust, int timeout_ms,
    const struct pw_request *req, struct pw_reply *rep)
{
	return conn_call_pass(path, trust, timeout_ms, req, -1, rep);
}
