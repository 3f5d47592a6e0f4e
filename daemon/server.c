/* SPDX-License-Identifier: MIT */
/*
 * Accept loop and a pool of connection threads, made as they are first
 * needed and kept for the next connection.
 *  1. Every peer MUST be identified by SO_PEERCRED at accept, never by
 *     anything it sends.
 *  2. Connections MUST be capped in total and per uid, and a request MUST
 *     arrive whole within request_timeout, so that no client can exhaust
 *     memory or threads or stall others.
 *  3. A bad peer MUST only cost its own connection: errors are logged and
 *     that connection is closed; the daemon never exits because of a peer.
 *  4. The request and reply buffers MUST be wiped before they are freed.
 */
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "handlers.h"
#include "log.h"
#include "nss.h"
#include "pwerr.h"
#include "server.h"
#include "stats.h"
#include "wipe.h"

#define THREAD_STACK (512 * 1024) /* bytes */
#define THREAD_IDLE_S 60	  /* an idle thread beyond the floor leaves */
#define THREAD_FLOOR  8		  /* threads kept however long idle */

struct uidcount {
	uid_t uid;
	uint32_t n;
};

static pthread_mutex_t conn_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t conn_cv = PTHREAD_COND_INITIALIZER;
static uint32_t conn_total;  /* connections charged to a uid */
static uint32_t conn_pending; /* root peers whose request is not read yet */
static struct conn *pending_head, *pending_tail; /* oldest first */
static uint32_t conn_nonroot; /* connections of uids other than 0 */
static struct uidcount *conn_uids; /* max_connections entries */

/*
 * A root peer cannot be charged when it connects: su or sudo started by a
 * user is root too, and only its request says for whom it runs.  So root
 * peers wait `pending' (bounded by PENDING_PER_CONN x max_connections, and
 * by request_timeout each) until their request is read, and only then
 * take a place: root's, or that user's.  When the pending places are all
 * taken (stalled peers: a user's su stopped between connect and send),
 * the one that has waited longest is cut off for the newcomer, whose
 * request comes at once, so a flood of them never keeps root's own
 * logins out.
 */
#define PENDING_PER_CONN 4

enum conn_state { CONN_NONE, CONN_PENDING, CONN_CHARGED };

struct conn {
	int fd;
	enum conn_state state;
	bool evicted;		    /* cut off for a newcomer (pending only) */
	struct conn *prev, *next;   /* the pending list, oldest first */
	struct conn *queued;	    /* the pool's queue */
	struct peer peer;
	const struct pwd_conf *conf;
	struct store *st;
};

/*
 * The connection threads.  A connection admitted by conn_admit goes to
 * the most recently idle thread; when none is idle a thread is made, up
 * to `cap', the most connections the limits admit at once
 * (max_connections charged plus PENDING_PER_CONN x max_connections root
 * peers not yet read); past it (a place freed and taken again before its
 * thread was idle) it waits in a queue for the next thread done.  The
 * limits and root's reserve are conn_admit's alone.  A thread serves
 * connection after connection; one idle for THREAD_IDLE_S leaves while
 * more than THREAD_FLOOR remain (the least recently used go first).  A
 * login thus starts no thread in the steady state.
 */
/* An idle thread, on its own stack: handed a connection directly. */
struct idler {
	pthread_cond_t cv;	/* CLOCK_MONOTONIC */
	struct conn *c;		/* its next connection, or NULL */
	struct idler *next;	/* the idle stack, most recent first */
};

static struct {
	pthread_mutex_t mu;
	struct idler *idle;	/* most recently idle first: the others age
				 * and leave when fewer are needed */
	struct conn *head, *tail; /* queued when every thread is busy and
				   * the cap is reached: admission bounds it */
	uint32_t threads, cap, floor;
	pthread_attr_t attr;
} pool = { .mu = PTHREAD_MUTEX_INITIALIZER };

int
server_listen(const char *path, int *fdp, char *err, size_t errsz)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd = -1, probe, rc;
	mode_t old;

	*fdp = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errsz, "%s: socket path too long", path);
		return PW_ERR_TOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errsz, "%s: exists and is not a socket", path);
			return PW_ERR_INVAL;
		}
		probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa,
		    sizeof(sa)) == 0) {
			close(probe);
			snprintf(err, errsz, "%s: another daemon is listening", path);
			return PW_ERR_INVAL;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	/* mode 0666 through the umask at bind: no chmod that could follow a
	 * link planted in the socket's directory */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(err, errsz, "socket: %s", strerror(errno));
		return PW_ERR_IO;
	}
	old = umask(0111);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0 || listen(fd, 128) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		close(fd);
		return PW_ERR_IO;
	}
	*fdp = fd;
	return PW_OK;
}

/* Called with conn_mu held: uid's entry, a free one for it, or NULL. */
static struct uidcount *
uid_entry(const struct pwd_conf *conf, uid_t uid)
{
	struct uidcount *free_slot = NULL;
	uint32_t i;

	for (i = 0; i < conf->max_connections; i++) {
		if (conn_uids[i].n > 0 && conn_uids[i].uid == uid)
			return &conn_uids[i];
		if (conn_uids[i].n == 0 && free_slot == NULL)
			free_slot = &conn_uids[i];
	}
	if (free_slot != NULL)
		free_slot->uid = uid;
	return free_slot;
}

/* Called with conn_mu held: one more connection of non-root uid? */
static bool
charge_nonroot(const struct pwd_conf *conf, uid_t uid)
{
	uint32_t nonroot_max = conf->max_connections -
	    conf->max_connections / 4;
	struct uidcount *mine;

	if (conn_nonroot >= nonroot_max ||
	    (mine = uid_entry(conf, uid)) == NULL ||
	    mine->n >= conf->max_connections_per_uid)
		return false;
	mine->n++;
	conn_nonroot++;
	return true;
}

/*
 * Takes a connection place for uid; false when a limit is reached.  Root
 * (PAM inside sshd, login, su, sudo) is bounded by max_connections only.
 * Every other uid gets at most max_connections_per_uid, and all of them
 * together at most three quarters of max_connections, so that local users
 * cannot hold every connection and lock everybody out.  Called with
 * conn_mu held.
 */
static bool
charge(const struct pwd_conf *conf, uid_t uid)
{
	if (conn_total >= conf->max_connections ||
	    (uid != 0 && !charge_nonroot(conf, uid)))
		return false;
	conn_total++;
	return true;
}

/* Called with conn_mu held: c leaves the pending list. */
static void
pending_unlink(struct conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		pending_head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		pending_tail = c->prev;
	c->prev = c->next = NULL;
	conn_pending--;
}

/*
 * Called with conn_mu held: cuts off the pending peer that has waited
 * longest and was not cut off yet (its thread sees the end of its stream
 * and leaves); false when there is none.  Its fd is still open: a pending
 * connection leaves the list before its thread closes it.
 */
static bool
pending_evict(void)
{
	struct conn *o;

	for (o = pending_head; o != NULL && o->evicted; o = o->next)
		;
	if (o == NULL)
		return false;
	o->evicted = true;
	(void)shutdown(o->fd, SHUT_RDWR);
	stats_inc(PW_STAT_CONN_REFUSED);
	log_limited(LOG_KIND_CONN_REFUSED, 0, NULL, "connection from uid=0 "
	    "pid=%d cut off: the longest waiting of too many root peers whose "
	    "request has not come", (int)o->peer.pid);
	return true;
}

/* At accept: a place for a non-root peer, a pending one for root. */
static bool
conn_admit(const struct pwd_conf *conf, struct conn *c)
{
	bool ok = false;

	pthread_mutex_lock(&conn_mu);
	if (c->peer.uid != 0) {
		if ((ok = charge(conf, c->peer.uid)))
			c->state = CONN_CHARGED;
	} else if (conn_pending < PENDING_PER_CONN * conf->max_connections ||
	    pending_evict()) {
		conn_pending++;
		c->state = CONN_PENDING;
		c->prev = pending_tail;
		if (pending_tail != NULL)
			pending_tail->next = c;
		else
			pending_head = c;
		pending_tail = c;
		ok = true;
	}
	pthread_mutex_unlock(&conn_mu);
	return ok;
}

/*
 * A root peer's request was read: its place is root's when its caller is
 * root (sshd, login, cron, the client run by root), otherwise that user's
 * (su, sudo, passwd are setuid root), under that user's limits.  False
 * when they are reached.
 */
static bool
conn_charge_root(const struct pwd_conf *conf, struct conn *c, uid_t caller)
{
	bool ok;

	pthread_mutex_lock(&conn_mu);
	pending_unlink(c);
	c->state = CONN_NONE;
	if ((ok = charge(conf, caller))) {
		c->state = CONN_CHARGED;
		c->peer.charge = caller;
	}
	pthread_mutex_unlock(&conn_mu);
	return ok;
}

static void
conn_release(const struct pwd_conf *conf, struct conn *c)
{
	struct uidcount *mine;

	pthread_mutex_lock(&conn_mu);
	if (c->state == CONN_PENDING)
		pending_unlink(c);
	else if (c->state == CONN_CHARGED) {
		if (c->peer.charge != 0 &&
		    (mine = uid_entry(conf, c->peer.charge)) != NULL &&
		    mine->n > 0) {
			mine->n--;
			conn_nonroot--;
		}
		conn_total--;
	}
	pthread_cond_broadcast(&conn_cv);
	pthread_mutex_unlock(&conn_mu);
}

/* Fills the peer's name from NSS; a uid without a valid name gets none. */
static void
peer_lookup(struct peer *p)
{
	p->root = p->uid == 0;
	/* root acts as itself: no name needed, no NSS wait */
	p->has_name = !p->root && nss_name_of_uid(p->uid, p->name);
}

/* Sends an error reply for a request that could not be decoded. */
static void
send_error(int fd, uint8_t type, int status, uint8_t *buf, size_t cap,
    int64_t deadline)
{
	struct pw_reply *rep;
	struct wire w;

	if ((rep = calloc(1, sizeof(*rep))) == NULL)
		return;
	rep->status = status;
	rep->why.code = PW_R_MALFORMED;
	frame_begin(&w, buf, cap, (uint8_t)(type | PW_REPLY));
	if (proto_encode_reply(&w, rep) == PW_OK &&
	    frame_send(fd, &w, deadline) != PW_OK)
		log_debug("could not send error reply");
	free(rep);
}

/* Reads, handles and answers one request. */
static void
serve(struct conn *c, uint8_t *buf, size_t cap, struct pw_request *req,
    struct pw_reply *rep)
{
	struct hctx h = { c->conf, c->st, &c->peer, c->fd, false, NULL };
	int64_t start = frame_now_ms(),
	    deadline = start + c->conf->request_timeout * 1000LL;
	struct wire payload, w;
	uint8_t type = 0;
	int r;

	r = frame_recv(c->fd, buf, cap, &type, &payload, deadline);
	if (r == PW_OK)
		r = proto_decode_req(&payload, type, req);
	wire_wipe(&(struct wire){ buf, cap, 0, 0 });
	if (r != PW_OK) {
		if (r != PW_ERR_IO && r != PW_ERR_TIMEOUT) {
			stats_inc(PW_STAT_BAD_REQUESTS);
			send_error(c->fd, type & 0x7f, r, buf, cap,
			    frame_now_ms() + 1000);
		}
		if (r == PW_ERR_IO) /* closed early: not worth a warning */
			log_debug("connection from uid=%u pid=%d closed before "
			    "a whole request", (unsigned)c->peer.uid, (int)c->peer.pid);
		else
			log_limited(LOG_KIND_BAD_REQUEST, c->peer.uid, NULL,
			    "bad request from uid=%u pid=%d: %s",
			    (unsigned)c->peer.uid, (int)c->peer.pid, pw_strerror(r));
		return;
	}
	/* a claim is heard from root peers only; identity stays SO_PEERCRED */
	if (c->state == CONN_PENDING &&
	    !conn_charge_root(c->conf, c, (uid_t)req->caller_uid)) {
		stats_inc(PW_STAT_CONN_REFUSED);
		log_limited(LOG_KIND_CONN_REFUSED, req->caller_uid, NULL, "request of "
		    "uid=%u through a root peer pid=%d refused: connection "
		    "limit", (unsigned)req->caller_uid, (int)c->peer.pid);
		return;
	}
	handle_request(&h, req, rep);
	log_debug("%s request from uid=%u pid=%d: %s after %lld ms",
	    proto_req_name(type), (unsigned)c->peer.uid, (int)c->peer.pid,
	    rep->status == PW_OK ? "ok" : pw_strerror(rep->status),
	    (long long)(frame_now_ms() - start));
	proto_wipe_req(req);
	frame_begin(&w, buf, cap, rep->type);
	if ((r = proto_encode_reply(&w, rep)) != PW_OK ||
	    (r = frame_send(c->fd, &w, frame_now_ms() +
	    c->conf->request_timeout * 1000LL)) != PW_OK)
		log_limited(LOG_KIND_REPLY, c->peer.uid, NULL, "reply to uid=%u not "
		    "sent: %s", (unsigned)c->peer.uid, pw_strerror(r));
}

/* A connection's end: its place given back, then closed and freed. */
static void
conn_end(struct conn *c)
{
	/* off the pending list before its fd can be closed and reused */
	conn_release(c->conf, c);
	c->state = CONN_NONE;
	close(c->fd);
	free(c);
}

/* One connection on a pool thread, with that thread's buffers (wiped
 * after each connection), then ended. */
static void
conn_serve(struct conn *c, uint8_t *buf, size_t cap, struct pw_request *req,
    struct pw_reply *rep)
{
	peer_lookup(&c->peer);
	serve(c, buf, cap, req, rep);
	pw_wipe(buf, cap);
	PW_WIPE_OBJECT(req);
	PW_WIPE_OBJECT(rep); /* an enrolment's URI holds a TOTP secret */
	conn_end(c);
}

/* Called with pool.mu held: the next queued connection, or NULL. */
static struct conn *
pool_pop(void)
{
	struct conn *c = pool.head;

	if (c != NULL) {
		pool.head = c->queued;
		if (pool.head == NULL)
			pool.tail = NULL;
		c->queued = NULL;
	}
	return c;
}

/* Refuses a connection no thread can serve (out of memory). */
static void
conn_drop(struct conn *c)
{
	log_warnx("no memory to serve a connection from uid=%u",
	    (unsigned)c->peer.uid);
	conn_end(c);
}

/*
 * Called with pool.mu held: waits, idle, for a connection; NULL when
 * this thread has been idle for THREAD_IDLE_S and more than the floor
 * remain (it then leaves).
 */
static struct conn *
pool_wait(void)
{
	struct idler me = { .c = NULL };
	struct idler **pp;
	pthread_condattr_t ca;
	struct timespec ts;
	int rc = 0;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = pthread_cond_init(&me.cv, &ca);
	pthread_condattr_destroy(&ca);
	if (rc != 0)
		return NULL; /* leaves; a new thread is made when needed */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += THREAD_IDLE_S;
	me.next = pool.idle;
	pool.idle = &me;
	for (;;) {
		rc = pthread_cond_timedwait(&me.cv, &pool.mu, &ts);
		if (me.c != NULL) /* pool_give took us off the stack */
			break;
		if (rc == ETIMEDOUT) {
			if (pool.threads > pool.floor)
				break;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ts.tv_sec += THREAD_IDLE_S;
		}
	}
	if (me.c == NULL) /* still on the stack: off it */
		for (pp = &pool.idle; *pp != NULL; pp = &(*pp)->next)
			if (*pp == &me) {
				*pp = me.next;
				break;
			}
	pthread_cond_destroy(&me.cv);
	return me.c;
}

/*
 * A pool thread: serves its first connection (arg), then each one it is
 * handed or finds queued.  Its buffers are made again whenever they
 * could not be; a connection it cannot serve is refused and the thread
 * leaves, so no thread stays that refuses every connection.
 */
static void *
pool_thread(void *arg)
{
	size_t cap = 4 + PW_FRAME_MAX;
	struct pw_request *req = NULL;
	struct pw_reply *rep = NULL;
	uint8_t *buf = NULL;
	struct conn *c = arg;

	while (c != NULL) {
		if (req == NULL)
			req = calloc(1, sizeof(*req));
		if (rep == NULL)
			rep = calloc(1, sizeof(*rep));
		if (buf == NULL)
			buf = malloc(cap);
		if (req == NULL || rep == NULL || buf == NULL) {
			conn_drop(c);
			pthread_mutex_lock(&pool.mu);
			break;
		}
		conn_serve(c, buf, cap, req, rep);
		pthread_mutex_lock(&pool.mu);
		if ((c = pool_pop()) == NULL)
			c = pool_wait();
		if (c != NULL)
			pthread_mutex_unlock(&pool.mu);
	}
	/* pool.mu held */
	pool.threads--;
	pthread_mutex_unlock(&pool.mu);
	free(buf);
	free(req);
	free(rep);
	return NULL;
}

/*
 * Hands c to a pool thread: the most recently idle one, else a new one
 * while under the cap, else the queue, which a busy thread empties when
 * it is done (admission bounds how many wait there).  False only when no
 * thread exists and none can be made (c is not queued then).
 */
static bool
pool_give(struct conn *c)
{
	struct idler *w;
	pthread_t tid;
	bool ok = true;

	pthread_mutex_lock(&pool.mu);
	if ((w = pool.idle) != NULL) {
		pool.idle = w->next;
		w->c = c;
		pthread_cond_signal(&w->cv);
	} else if (pool.threads < pool.cap &&
	    pthread_create(&tid, &pool.attr, pool_thread, c) == 0)
		pool.threads++;
	else if (pool.threads > 0) {
		if (pool.tail != NULL)
			pool.tail->queued = c;
		else
			pool.head = c;
		pool.tail = c;
	} else
		ok = false;
	pthread_mutex_unlock(&pool.mu);
	return ok;
}

static void
accept_one(int lfd, const struct pwd_conf *conf, struct store *st)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	struct conn *c;
	int fd;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED)
			return;
		if (errno == EBADF || errno == ENOTSOCK || errno == EINVAL)
			fatal("accept: the listening socket is gone");
		/* out of fds or memory: back off rather than spin */
		log_warn("accept");
		usleep(100000);
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) != 0) {
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warnx("no memory for a connection from uid=%u",
		    (unsigned)cred.uid);
		close(fd);
		return;
	}
	c->fd = fd;
	c->peer.uid = cred.uid;
	c->peer.charge = cred.uid;
	c->peer.pid = cred.pid;
	c->conf = conf;
	c->st = st;
	if (!conn_admit(conf, c)) {
		stats_inc(PW_STAT_CONN_REFUSED);
		log_limited(LOG_KIND_CONN_REFUSED, cred.uid, NULL, "connection from "
		    "uid=%u refused: connection limit", (unsigned)cred.uid);
		close(fd);
		free(c);
		return;
	}
	stats_inc(PW_STAT_CONN_ACCEPTED);
	if (pool_give(c))
		return;
	log_warnx("no thread for a connection from uid=%u", (unsigned)cred.uid);
	conn_release(conf, c);
	close(fd);
	free(c);
}

/* Waits for the connections in progress to finish, within a bound;
 * returns how many are still open. */
static uint32_t
drain(const struct pwd_conf *conf)
{
	int64_t end = frame_now_ms() +
	    (conf->request_timeout + conf->slot_wait_timeout + 5) * 1000LL;
	uint32_t left;

	pthread_mutex_lock(&conn_mu);
	while (conn_total + conn_pending > 0 && frame_now_ms() < end) {
		pthread_mutex_unlock(&conn_mu);
		usleep(10000);
		pthread_mutex_lock(&conn_mu);
	}
	left = conn_total + conn_pending;
	pthread_mutex_unlock(&conn_mu);
	return left;
}

/* Reads one signal; SIGHUP is logged and otherwise ignored. */
static bool
is_hup(int sfd)
{
	struct signalfd_siginfo si;

	if (read(sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return false;
	if (si.ssi_signo != SIGHUP)
		return false;
	log_info("SIGHUP ignored: restart pwadmind to apply configuration "
	    "changes");
	return true;
}

int
server_run(int lfd, const struct pwd_conf *conf, struct store *st)
{
	struct pollfd pfd[2] = { { .fd = lfd, .events = POLLIN },
		{ .fd = -1, .events = POLLIN } };
	sigset_t set;

	if ((conn_uids = calloc(conf->max_connections, sizeof(*conn_uids))) == NULL)
		fatalx("out of memory");
	pool.cap = (1 + PENDING_PER_CONN) * conf->max_connections;
	pool.floor = THREAD_FLOOR;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if ((pfd[1].fd = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
		fatal("signalfd");
	pthread_attr_init(&pool.attr);
	pthread_attr_setstacksize(&pool.attr, THREAD_STACK);
	pthread_attr_setdetachstate(&pool.attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		/* wakes once a second for the summaries of folded log lines */
		log_flush(false);
		if (poll(pfd, 2, 1000) < 0) {
			if (errno == EINTR)
				continue;
			fatal("poll");
		}
		if ((pfd[1].revents & POLLIN) && !is_hup(pfd[1].fd))
			break;
		if (pfd[0].revents & POLLIN)
			accept_one(lfd, conf, st);
	}
	log_info("shutting down");
	log_flush(true);
	close(lfd);
	close(pfd[1].fd);
	return drain(conf) == 0 ? 0 : -1;
}
