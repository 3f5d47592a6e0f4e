/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for common/frame.c over socketpairs, and for common/conn.c
 * against listening sockets in a private mkdtemp directory.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "conn.h"
#include "frame.h"
#include "proto.h"
#include "pwerr.h"
#include "wipe.h"

#define RBUF	  (4 + PW_FRAME_MAX) /* bytes: a receive buffer */
#define SLOW_MS	  10000		     /* ms: a deadline never reached */
#define FRAMES_1M 16		     /* frames of PW_FRAME_MAX: 1 MiB */

static int64_t
deadline(int ms)
{
	return frame_now_ms() + ms;
}

static void
mkpair(int sv[2])
{
	assert_int_equal(
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
}

static void
closepair(int sv[2])
{
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	sv[0] = sv[1] = -1;
}

static void
write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	ssize_t k;

	while (n > 0) {
		k = send(fd, b, n, MSG_NOSIGNAL);
		assert_true(k > 0);
		b += k;
		n -= (size_t)k;
	}
}

/* A raw header: u32 len, u8 version, u8 type. */
static void
put_hdr(uint8_t h[PW_FRAME_HDR], uint32_t len, uint8_t version, uint8_t type)
{
	h[0] = (uint8_t)(len >> 24);
	h[1] = (uint8_t)(len >> 16);
	h[2] = (uint8_t)(len >> 8);
	h[3] = (uint8_t)len;
	h[4] = version;
	h[5] = type;
}

/* Reads what is queued on fd without waiting; 0 when nothing is. */
static size_t
pending(int fd, uint8_t *buf, size_t cap)
{
	ssize_t k = recv(fd, buf, cap, MSG_DONTWAIT);

	if (k < 0) {
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		return 0;
	}
	return (size_t)k;
}

/* Receives one frame on fd; *rbuf is a fresh heap buffer of RBUF bytes. */
static int
recv_frame(int fd, uint8_t **rbuf, uint8_t *type, struct wire *payload,
    int ms)
{
	*rbuf = malloc(RBUF);
	assert_non_null(*rbuf);
	return frame_recv(fd, *rbuf, RBUF, type, payload, deadline(ms));
}

/* Sends a frame of `type' whose payload is n bytes of a pattern. */
static int
send_pattern(int fd, uint8_t type, size_t n, uint8_t seed, int ms)
{
	uint8_t *buf = malloc(PW_FRAME_HDR + n);
	struct wire w;
	size_t i;
	int r;

	assert_non_null(buf);
	frame_begin(&w, buf, PW_FRAME_HDR + n, type);
	assert_int_equal(w.len, PW_FRAME_HDR);
	for (i = 0; i < n; i++)
		assert_int_equal(wire_put_u8(&w, (uint8_t)(seed + i * 7)),
		    PW_OK);
	r = frame_send(fd, &w, deadline(ms));
	free(buf);
	return r;
}

static void
check_pattern(const struct wire *p, size_t n, uint8_t seed)
{
	size_t i;

	assert_int_equal(wire_left(p), n);
	for (i = 0; i < n; i++)
		if (p->p[p->off + i] != (uint8_t)(seed + i * 7))
			fail_msg("payload byte %zu differs", i);
}

/* The exact bytes of a frame: big-endian length, version, type, payload. */
static void
test_frame_bytes(void **state)
{
	static const uint8_t want[] = { 0, 0, 0, 7, PW_PROTO_VERSION, 0x85,
		0xde, 0xad, 0xbe, 0xef, 0x07 };
	uint8_t buf[64], got[64];
	struct wire w;
	int sv[2];

	(void)state;
	mkpair(sv);
	frame_begin(&w, buf, sizeof(buf), 0x85);
	assert_int_equal(wire_put_u32(&w, 0xdeadbeefu), PW_OK);
	assert_int_equal(wire_put_u8(&w, 7), PW_OK);
	assert_int_equal(frame_send(sv[0], &w, deadline(1000)), PW_OK);
	assert_int_equal(pending(sv[1], got, sizeof(got)), sizeof(want));
	assert_memory_equal(got, want, sizeof(want));
	closepair(sv);
}

static void
test_frame_round_trip(void **state)
{
	static const size_t sizes[] = { 0, 1, 300, 1000 };
	struct wire payload;
	uint8_t *rbuf, type;
	size_t i;
	int sv[2];

	(void)state;
	mkpair(sv);
	/* Back to back: each receive takes exactly one frame. */
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		assert_int_equal(send_pattern(sv[0], (uint8_t)(0x81 + i),
		    sizes[i], (uint8_t)i, 1000), PW_OK);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(recv_frame(sv[1], &rbuf, &type, &payload,
		    1000), PW_OK);
		assert_int_equal(type, 0x81 + i);
		check_pattern(&payload, sizes[i], (uint8_t)i);
		free(rbuf);
	}
	closepair(sv);
}

/* A header over PW_FRAME_MAX is refused before a byte of the body is read. */
static void
test_recv_toolong(void **state)
{
	static const uint32_t lens[] = { PW_FRAME_MAX + 1, 0x80000000u,
		0xffffffffu };
	uint8_t hdr[PW_FRAME_HDR + 4], rest[64], *rbuf, type;
	struct wire payload;
	size_t i;
	int sv[2];

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		mkpair(sv);
		put_hdr(hdr, lens[i], PW_PROTO_VERSION, PW_REQ_AUTH);
		memcpy(hdr + PW_FRAME_HDR, "body", 4);
		write_all(sv[0], hdr, sizeof(hdr));
		type = 0x55;
		assert_int_equal(recv_frame(sv[1], &rbuf, &type, &payload,
		    1000), PW_ERR_TOOLONG);
		assert_int_equal(type, 0);
		assert_int_equal(wire_left(&payload), 0);
		/* Only the 4 length bytes were consumed. */
		assert_int_equal(pending(sv[1], rest, sizeof(rest)),
		    sizeof(hdr) - 4);
		assert_memory_equal(rest, hdr + 4, sizeof(hdr) - 4);
		free(rbuf);
		closepair(sv);
	}
}

static void
test_recv_short_len(void **state)
{
	uint8_t hdr[PW_FRAME_HDR], *rbuf, type;
	struct wire payload;
	uint32_t len;
	int sv[2];

	(void)state;
	for (len = 0; len < 2; len++) {
		mkpair(sv);
		put_hdr(hdr, len, PW_PROTO_VERSION, PW_REQ_AUTH);
		write_all(sv[0], hdr, sizeof(hdr));
		assert_int_equal(recv_frame(sv[1], &rbuf, &type, &payload,
		    1000), PW_ERR_PROTO);
		assert_int_equal(type, 0);
		free(rbuf);
		closepair(sv);
	}
}

/* Another version: refused, its body consumed, the next frame readable. */
static void
test_recv_version(void **state)
{
	static const uint8_t versions[] = { 0, 1, 3, 4, 5, 7, 0xff };
	uint8_t hdr[PW_FRAME_HDR + 3], *rbuf, type;
	struct wire payload;
	size_t i;
	int sv[2];

	(void)state;
	mkpair(sv);
	for (i = 0; i < sizeof(versions); i++) {
		put_hdr(hdr, 2 + 3, versions[i], PW_REQ_STATUS);
		memcpy(hdr + PW_FRAME_HDR, "abc", 3);
		write_all(sv[0], hdr, sizeof(hdr));
		assert_int_equal(send_pattern(sv[0], 0x85, 10, 3, 1000), PW_OK);
		assert_int_equal(recv_frame(sv[1], &rbuf, &type, &payload,
		    1000), PW_ERR_VERSION);
		assert_int_equal(type, 0);
		free(rbuf);
		assert_int_equal(recv_frame(sv[1], &rbuf, &type, &payload,
		    1000), PW_OK);
		assert_int_equal(type, 0x85);
		check_pattern(&payload, 10, 3);
		free(rbuf);
	}
	closepair(sv);
}

/* The peer closes after `n' bytes of a frame announcing 2 + 10 bytes. */
static void
closes_after(size_t n)
{
	uint8_t raw[PW_FRAME_HDR + 10], *rbuf, type;
	struct wire payload;
	int sv[2];

	memset(raw, 'z', sizeof(raw));
	put_hdr(raw, 2 + 10, PW_PROTO_VERSION, PW_REQ_AUTH);
	mkpair(sv);
	if (n > 0)
		write_all(sv[0], raw, n);
	close(sv[0]);
	sv[0] = -1;
	assert_int_equal(recv_frame(sv[1], &rbuf, &type, &payload, SLOW_MS),
	    PW_ERR_IO);
	assert_int_equal(type, 0);
	free(rbuf);
	closepair(sv);
}

static void
test_recv_peer_closes(void **state)
{
	(void)state;
	closes_after(0);		/* before anything */
	closes_after(2);		/* mid-header */
	closes_after(4);		/* after the length */
	closes_after(PW_FRAME_HDR);	/* after the header */
	closes_after(PW_FRAME_HDR + 9); /* one byte short */
}

/* Nothing (or too little) arrives: TIMEOUT at the deadline, not a hang. */
static void
stalls_after(size_t n, int ms)
{
	uint8_t raw[PW_FRAME_HDR + 10], *rbuf, type;
	struct wire payload;
	int64_t t0, dt;
	int sv[2];

	memset(raw, 'z', sizeof(raw));
	put_hdr(raw, 2 + 10, PW_PROTO_VERSION, PW_REQ_AUTH);
	mkpair(sv);
	if (n > 0)
		write_all(sv[0], raw, n);
	t0 = frame_now_ms();
	assert_int_equal(recv_frame(sv[1], &rbuf, &type, &payload, ms),
	    PW_ERR_TIMEOUT);
	dt = frame_now_ms() - t0;
	assert_true(dt < 5000);
	assert_int_equal(type, 0);
	free(rbuf);
	closepair(sv);
}

static void
test_recv_timeout(void **state)
{
	(void)state;
	stalls_after(0, 100);
	stalls_after(3, 100);
	stalls_after(PW_FRAME_HDR + 4, 100);
	stalls_after(0, 0);
	stalls_after(0, -1000);
}

/* Sending to a closed peer is an error, not a SIGPIPE. */
static void
test_send_closed_peer(void **state)
{
	void (*old)(int);
	int sv[2];

	(void)state;
	old = signal(SIGPIPE, SIG_DFL);
	mkpair(sv);
	close(sv[1]);
	sv[1] = -1;
	assert_int_equal(send_pattern(sv[0], PW_REQ_AUTH, 100, 0, 1000),
	    PW_ERR_IO);
	assert_int_equal(send_pattern(sv[0], PW_REQ_AUTH, 0, 0, 1000),
	    PW_ERR_IO);
	closepair(sv);
	signal(SIGPIPE, old);
}

static void
test_send_refused(void **state)
{
	uint8_t *buf = malloc(4 + PW_FRAME_MAX + 1), got[16];
	struct wire w;
	size_t i;
	int sv[2];

	(void)state;
	assert_non_null(buf);
	mkpair(sv);
	/* Over PW_FRAME_MAX: refused, and nothing goes out. */
	frame_begin(&w, buf, 4 + PW_FRAME_MAX + 1, PW_REQ_AUTH);
	for (i = 0; i < PW_FRAME_MAX - 1; i++)
		assert_int_equal(wire_put_u8(&w, 'x'), PW_OK);
	assert_int_equal(w.len, 4 + PW_FRAME_MAX + 1);
	assert_int_equal(frame_send(sv[0], &w, deadline(1000)),
	    PW_ERR_TOOLONG);
	assert_int_equal(pending(sv[1], got, sizeof(got)), 0);
	/* A wire without a header is a caller bug. */
	wire_init(&w, buf, PW_FRAME_HDR - 1);
	assert_int_equal(frame_send(sv[0], &w, deadline(1000)),
	    PW_ERR_INTERNAL);
	assert_int_equal(pending(sv[1], got, sizeof(got)), 0);
	/* So is a receive buffer too small for the largest frame. */
	write_all(sv[0], "\0\0\0\2\1\1", 6);
	assert_int_equal(frame_recv(sv[1], buf, RBUF - 1, got, &w,
	    deadline(1000)), PW_ERR_INTERNAL);
	assert_int_equal(pending(sv[1], got, sizeof(got)), 6);
	free(buf);
	closepair(sv);
}

/* A reader that never reads: the sender gives up at its deadline. */
static void
test_send_timeout(void **state)
{
	int sv[2], small = 4096;
	int64_t t0;

	(void)state;
	mkpair(sv);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small,
	    sizeof(small)), 0);
	t0 = frame_now_ms();
	assert_int_equal(send_pattern(sv[0], PW_REQ_AUTH, PW_FRAME_MAX - 2, 0,
	    100), PW_ERR_TIMEOUT);
	assert_true(frame_now_ms() - t0 < 5000);
	closepair(sv);
}

struct sender {
	int fd;
	int nframes;
	size_t chunk; /* 0: frame_send; else raw writes of this size */
	int r;
};

/* Raw, slow: one maximum frame in small pieces with pauses. */
static int
send_slowly(int fd, size_t chunk)
{
	uint8_t *buf = malloc(RBUF);
	struct timespec ts = { 0, 1000000 };
	size_t off, n;
	ssize_t k;

	if (buf == NULL)
		return PW_ERR_NOMEM;
	put_hdr(buf, PW_FRAME_MAX, PW_PROTO_VERSION, 0x86);
	for (off = PW_FRAME_HDR; off < RBUF; off++)
		buf[off] = (uint8_t)(9 + (off - PW_FRAME_HDR) * 7);
	for (off = 0; off < RBUF; off += n) {
		n = RBUF - off < chunk ? RBUF - off : chunk;
		if ((k = send(fd, buf + off, n, MSG_NOSIGNAL)) <= 0)
			break;
		n = (size_t)k;
		nanosleep(&ts, NULL);
	}
	free(buf);
	return off == RBUF ? PW_OK : PW_ERR_IO;
}

static void *
sender_main(void *arg)
{
	struct sender *s = arg;
	int i;

	s->r = PW_OK;
	if (s->chunk > 0) {
		s->r = send_slowly(s->fd, s->chunk);
		return NULL;
	}
	for (i = 0; i < s->nframes && s->r == PW_OK; i++)
		s->r = send_pattern(s->fd, 0x86, PW_FRAME_MAX - 2,
		    (uint8_t)(9 + i), SLOW_MS);
	return NULL;
}

/* Frames of exactly PW_FRAME_MAX, 1 MiB in all, to a slow reader. */
static void
test_frame_max_slow_reader(void **state)
{
	struct sender s = { .nframes = FRAMES_1M };
	struct timespec ts = { 0, 2000000 };
	struct wire payload;
	uint8_t *rbuf, type;
	pthread_t th;
	int sv[2], small = 4096, i;

	(void)state;
	mkpair(sv);
	assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small,
	    sizeof(small)), 0);
	s.fd = sv[0];
	assert_int_equal(pthread_create(&th, NULL, sender_main, &s), 0);
	for (i = 0; i < FRAMES_1M; i++) {
		nanosleep(&ts, NULL);
		assert_int_equal(recv_frame(sv[1], &rbuf, &type, &payload,
		    SLOW_MS), PW_OK);
		assert_int_equal(type, 0x86);
		check_pattern(&payload, PW_FRAME_MAX - 2, (uint8_t)(9 + i));
		free(rbuf);
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(s.r, PW_OK);
	closepair(sv);
}

/* A maximum frame arriving in small pieces is reassembled. */
static void
test_frame_slow_writer(void **state)
{
	struct sender s = { .chunk = 1000 };
	struct wire payload;
	uint8_t *rbuf, type;
	pthread_t th;
	int sv[2];

	(void)state;
	mkpair(sv);
	s.fd = sv[0];
	assert_int_equal(pthread_create(&th, NULL, sender_main, &s), 0);
	assert_int_equal(recv_frame(sv[1], &rbuf, &type, &payload, SLOW_MS),
	    PW_OK);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(s.r, PW_OK);
	assert_int_equal(type, 0x86);
	check_pattern(&payload, PW_FRAME_MAX - 2, 9);
	free(rbuf);
	closepair(sv);
}

/* ---- Descriptor passing (frame_send_fd / frame_recv_fd) ---- */

/* Open descriptors of this process (the directory's own included). */
static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* One byte with n descriptors in one SCM_RIGHTS message (none: n = 0). */
static void
send_fds(int sock, char byte, const int *fds, size_t n)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} ctl;
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	assert_true(n <= 4);
	memset(&ctl, 0, sizeof(ctl));
	if (n > 0) {
		m.msg_control = ctl.buf;
		m.msg_controllen = CMSG_SPACE(n * sizeof(int));
		if ((c = CMSG_FIRSTHDR(&m)) == NULL) {
			fail_msg("no room for a control message");
			return;
		}
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	}
	assert_int_equal(sendmsg(sock, &m, MSG_NOSIGNAL), 1);
}

static bool
same_file(int a, int b)
{
	struct stat sa, sb;

	assert_int_equal(fstat(a, &sa), 0);
	assert_int_equal(fstat(b, &sb), 0);
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static bool
cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	assert_true(flags >= 0);
	return (flags & FD_CLOEXEC) != 0;
}

/*
 * A pipe's write end (opened without close-on-exec) arrives as a new,
 * close-on-exec descriptor of the same pipe; the sender keeps its own.
 */
static void
test_fd_pass_pipe(void **state)
{
	char buf[16];
	int sv[2], p[2], fd = -7, before;

	(void)state;
	mkpair(sv);
	assert_int_equal(pipe(p), 0);
	assert_false(cloexec(p[1]));
	assert_int_equal(frame_send_fd(sv[0], p[1], deadline(1000)), PW_OK);
	before = count_fds();
	assert_int_equal(frame_recv_fd(sv[1], &fd, deadline(1000)), PW_OK);
	assert_int_equal(count_fds(), before + 1); /* exactly one arrived */
	assert_true(fd >= 0);
	assert_true(fd != p[0] && fd != p[1] && fd != sv[0] && fd != sv[1]);
	assert_true(cloexec(fd));
	assert_true(same_file(fd, p[1]));
	assert_int_equal(write(fd, "through", 7), 7);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 7);
	assert_memory_equal(buf, "through", 7);
	close(fd);
	/* the sender's copy is still open */
	assert_int_equal(write(p[1], "kept", 4), 4);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 4);
	close(p[0]);
	close(p[1]);
	closepair(sv);
}

/* A regular file: written through the passed descriptor, read back. */
static void
test_fd_pass_file(void **state)
{
	char path[] = "/tmp/pwtest-fd-XXXXXX", buf[16];
	int sv[2], file, fd = -7;

	(void)state;
	mkpair(sv);
	file = mkstemp(path);
	assert_true(file >= 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(frame_send_fd(sv[0], file, deadline(1000)), PW_OK);
	assert_int_equal(frame_recv_fd(sv[1], &fd, deadline(1000)), PW_OK);
	assert_true(fd >= 0 && fd != file);
	assert_true(cloexec(fd));
	assert_true(same_file(fd, file));
	assert_int_equal(write(fd, "backup", 6), 6);
	close(fd);
	assert_int_equal(pread(file, buf, sizeof(buf), 0), 6);
	assert_memory_equal(buf, "backup", 6);
	close(file);
	closepair(sv);
}

/* The byte alone, without SCM_RIGHTS: a protocol error, *fd = -1. */
static void
test_fd_recv_none(void **state)
{
	int sv[2], fd = 42;

	(void)state;
	mkpair(sv);
	send_fds(sv[0], 'F', NULL, 0);
	assert_int_equal(frame_recv_fd(sv[1], &fd, deadline(1000)),
	    PW_ERR_PROTO);
	assert_int_equal(fd, -1);
	closepair(sv);
}

/* Refused messages that carry descriptors: every one is closed. */
static const struct fd_case {
	const char *what;
	char byte;
	size_t n;
} fd_cases[] = {
	{ "two descriptors", 'F', 2 },
	{ "three (control message truncated)", 'F', 3 },
	{ "four (control message truncated)", 'F', 4 },
	{ "another byte", 'X', 1 },
	{ "a NUL byte", '\0', 1 },
};

static void
test_fd_recv_refused_no_leak(void **state)
{
	int sv[2], p[2], fds[4], fd, before, after, r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fd_cases) / sizeof(fd_cases[0]); i++) {
		const struct fd_case *c = &fd_cases[i];

		mkpair(sv);
		assert_int_equal(pipe2(p, O_CLOEXEC), 0);
		fds[0] = fds[2] = p[0];
		fds[1] = fds[3] = p[1];
		before = count_fds();
		send_fds(sv[0], c->byte, fds, c->n);
		fd = 42;
		r = frame_recv_fd(sv[1], &fd, deadline(1000));
		after = count_fds();
		if (r != PW_ERR_PROTO || fd != -1)
			fail_msg("%s: %d, fd %d; want PW_ERR_PROTO, -1",
			    c->what, r, fd);
		if (after != before)
			fail_msg("%s: %d descriptors before, %d after", c->what,
			    before, after);
		close(p[0]);
		close(p[1]);
		closepair(sv);
	}
}

static void
test_fd_recv_peer_closed(void **state)
{
	int sv[2], fd = 42;

	(void)state;
	mkpair(sv);
	close(sv[0]);
	sv[0] = -1;
	assert_int_equal(frame_recv_fd(sv[1], &fd, deadline(SLOW_MS)),
	    PW_ERR_IO);
	assert_int_equal(fd, -1);
	closepair(sv);
}

static void
test_fd_recv_timeout(void **state)
{
	int64_t t0, dt;
	int sv[2], fd = 42;

	(void)state;
	mkpair(sv);
	t0 = frame_now_ms();
	assert_int_equal(frame_recv_fd(sv[1], &fd, deadline(100)),
	    PW_ERR_TIMEOUT);
	dt = frame_now_ms() - t0;
	assert_true(dt >= 90 && dt < 5000);
	assert_int_equal(fd, -1);
	/* a deadline already past: at once */
	fd = 42;
	assert_int_equal(frame_recv_fd(sv[1], &fd, deadline(-1000)),
	    PW_ERR_TIMEOUT);
	assert_int_equal(fd, -1);
	closepair(sv);
}

/* Sending to a closed peer, or a descriptor that is not open: IO errors,
 * not a SIGPIPE. */
static void
test_fd_send_errors(void **state)
{
	void (*old)(int);
	int sv[2], p[2], bad;

	(void)state;
	old = signal(SIGPIPE, SIG_DFL);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	mkpair(sv);
	bad = p[0];
	close(p[0]);
	assert_int_equal(frame_send_fd(sv[0], bad, deadline(1000)), PW_ERR_IO);
	assert_int_equal(frame_send_fd(sv[0], -1, deadline(1000)), PW_ERR_IO);
	close(sv[1]);
	sv[1] = -1;
	assert_int_equal(frame_send_fd(sv[0], p[1], deadline(1000)),
	    PW_ERR_IO);
	closepair(sv);
	close(p[1]);
	signal(SIGPIPE, old);
}

/*
 * A frame, a descriptor, another frame, as BACKUP sends them: reading the
 * frame does not swallow the descriptor's byte, and the order holds.
 */
static void
test_fd_after_frame(void **state)
{
	struct wire payload;
	uint8_t *rbuf, type;
	char buf[8];
	int sv[2], p[2], fd = -7;

	(void)state;
	mkpair(sv);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_int_equal(send_pattern(sv[0], 0x8b, 40, 5, 1000), PW_OK);
	assert_int_equal(frame_send_fd(sv[0], p[1], deadline(1000)), PW_OK);
	assert_int_equal(send_pattern(sv[0], 0x8c, 3, 6, 1000), PW_OK);

	assert_int_equal(recv_frame(sv[1], &rbuf, &type, &payload, 1000),
	    PW_OK);
	assert_int_equal(type, 0x8b);
	check_pattern(&payload, 40, 5);
	free(rbuf);
	assert_int_equal(frame_recv_fd(sv[1], &fd, deadline(1000)), PW_OK);
	assert_true(same_file(fd, p[1]));
	assert_int_equal(write(fd, "ok", 2), 2);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 2);
	close(fd);
	assert_int_equal(recv_frame(sv[1], &rbuf, &type, &payload, 1000),
	    PW_OK);
	assert_int_equal(type, 0x8c);
	check_pattern(&payload, 3, 6);
	free(rbuf);
	close(p[0]);
	close(p[1]);
	closepair(sv);
}

/* ---- conn.c ---- */

struct sockdir {
	char dir[64];
	char path[96];
	char real[96]; /* a second socket, for the symlink case */
	int lfd;
};

static int
dir_setup(void **state)
{
	struct sockdir *sd = calloc(1, sizeof(*sd));

	if (sd == NULL)
		return -1;
	memcpy(sd->dir, "/tmp/pwtest-conn.XXXXXX", 24);
	if (mkdtemp(sd->dir) == NULL) {
		free(sd);
		return -1;
	}
	if (snprintf(sd->path, sizeof(sd->path), "%s/sock", sd->dir) < 0 ||
	    snprintf(sd->real, sizeof(sd->real), "%s/real", sd->dir) < 0)
		return -1;
	sd->lfd = -1;
	*state = sd;
	return 0;
}

static int
dir_teardown(void **state)
{
	struct sockdir *sd = *state;

	if (sd->lfd >= 0)
		close(sd->lfd);
	(void)unlink(sd->path);
	(void)unlink(sd->real);
	(void)rmdir(sd->path); /* the directory case */
	(void)rmdir(sd->dir);
	free(sd);
	return 0;
}

/* A socket bound at path (owned by the test's uid), not yet listening. */
static int
bind_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static int
listen_at(const char *path)
{
	int fd = bind_at(path);

	assert_int_equal(listen(fd, 8), 0);
	return fd;
}

/* True when a connection is waiting on the listener. */
static int
has_pending_conn(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		return 0;
	}
	close(fd);
	return 1;
}

static struct conn_trust
trust1(uid_t uid)
{
	struct conn_trust t = { .n = 0 };

	conn_trust_add(&t, uid);
	return t;
}

static void
test_trust_add(void **state)
{
	struct conn_trust t = { .n = 0 };
	uid_t u;

	(void)state;
	conn_trust_add(&t, 0);
	conn_trust_add(&t, 0);
	assert_int_equal(t.n, 1);
	for (u = 1; u < 10; u++)
		conn_trust_add(&t, u);
	assert_int_equal(t.n, PW_TRUST_MAX);
	for (u = 0; u < PW_TRUST_MAX; u++)
		assert_int_equal(t.uid[u], u);
}

static void
test_conn_trusted(void **state)
{
	struct sockdir *sd = *state;
	struct conn_trust t = trust1(getuid());
	int fd = -7, flags;

	sd->lfd = listen_at(sd->path);
	assert_int_equal(conn_open(sd->path, &t, 1000, &fd), PW_OK);
	assert_true(fd > 2);
	flags = fcntl(fd, F_GETFD);
	assert_true(flags >= 0 && (flags & FD_CLOEXEC) != 0);
	assert_true(has_pending_conn(sd->lfd));
	close(fd);

	/* One trusted uid among others is enough. */
	t = trust1(getuid() + 12345);
	conn_trust_add(&t, getuid());
	assert_int_equal(conn_open(sd->path, &t, 1000, &fd), PW_OK);
	close(fd);
}

/* A socket owned by an untrusted uid: refused before connecting. */
static void
test_conn_untrusted_owner(void **state)
{
	struct sockdir *sd = *state;
	struct conn_trust t = trust1(getuid() + 12345);
	struct conn_trust none = { .n = 0 };
	int fd = -7;

	sd->lfd = listen_at(sd->path);
	assert_int_equal(conn_open(sd->path, &t, 1000, &fd),
	    PW_ERR_UNTRUSTED);
	assert_int_equal(fd, -1);
	fd = -7;
	assert_int_equal(conn_open(sd->path, &none, 1000, &fd),
	    PW_ERR_UNTRUSTED);
	assert_int_equal(fd, -1);
	assert_false(has_pending_conn(sd->lfd));
}

/* Anything but a socket at the path is untrusted, a symlink included. */
static void
test_conn_not_a_socket(void **state)
{
	struct sockdir *sd = *state;
	struct conn_trust t = trust1(getuid());
	int fd;

	fd = open(sd->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(conn_open(sd->path, &t, 1000, &fd), PW_ERR_UNTRUSTED);
	assert_int_equal(fd, -1);
	assert_int_equal(unlink(sd->path), 0);

	assert_int_equal(mkfifo(sd->path, 0600), 0);
	assert_int_equal(conn_open(sd->path, &t, 1000, &fd), PW_ERR_UNTRUSTED);
	assert_int_equal(unlink(sd->path), 0);

	assert_int_equal(mkdir(sd->path, 0700), 0);
	assert_int_equal(conn_open(sd->path, &t, 1000, &fd), PW_ERR_UNTRUSTED);
	assert_int_equal(rmdir(sd->path), 0);

	/* A symlink to a trusted, listening socket: not followed. */
	sd->lfd = listen_at(sd->real);
	assert_int_equal(symlink(sd->real, sd->path), 0);
	assert_int_equal(conn_open(sd->path, &t, 1000, &fd), PW_ERR_UNTRUSTED);
	assert_int_equal(fd, -1);
	assert_false(has_pending_conn(sd->lfd));
}

static void
test_conn_unreachable(void **state)
{
	struct sockdir *sd = *state;
	struct conn_trust t = trust1(getuid());
	char longpath[200];
	int fd = -7;

	/* Missing. */
	assert_int_equal(conn_open(sd->path, &t, 1000, &fd), PW_ERR_CONNECT);
	assert_int_equal(fd, -1);
	/* A stale socket file: nobody listens. */
	sd->lfd = bind_at(sd->path);
	fd = -7;
	assert_int_equal(conn_open(sd->path, &t, 1000, &fd), PW_ERR_CONNECT);
	assert_int_equal(fd, -1);
	/* Too long for sun_path: refused, not truncated. */
	memset(longpath, 'p', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	fd = -7;
	assert_int_equal(conn_open(longpath, &t, 1000, &fd), PW_ERR_TOOLONG);
	assert_int_equal(fd, -1);
}

/* With fd 0 closed, the socket still lands above 2 (and 0 stays free). */
static void
test_conn_fd_above_stdio(void **state)
{
	struct sockdir *sd = *state;
	struct conn_trust t = trust1(getuid());
	int saved, fd = -7, r, zero_free, flags;

	sd->lfd = listen_at(sd->path);
	saved = fcntl(0, F_DUPFD_CLOEXEC, 3);
	close(0);
	r = conn_open(sd->path, &t, 1000, &fd);
	zero_free = fcntl(0, F_GETFD) == -1 && errno == EBADF;
	if (saved >= 0) {
		assert_int_equal(dup2(saved, 0), 0);
		close(saved);
	}
	assert_int_equal(r, PW_OK);
	assert_true(fd > 2);
	assert_true(zero_free);
	flags = fcntl(fd, F_GETFD);
	assert_true(flags >= 0 && (flags & FD_CLOEXEC) != 0);
	close(fd);
}

/* Child: listen on fd as `uid' (so SO_PEERCRED names it) until told. */
static void
listen_as(int fd, uid_t uid, int ready, int done)
{
	char c = 'x';

	if (setgroups(0, NULL) != 0 || setresgid(uid, uid, uid) != 0 ||
	    setresuid(uid, uid, uid) != 0 || listen(fd, 8) != 0)
		_exit(1);
	if (write(ready, &c, 1) != 1)
		_exit(2);
	/* Returns when the parent closes its end. */
	_exit(read(done, &c, 1) == 0 ? 0 : 3);
}

/*
 * The socket file is ours, but the listener's SO_PEERCRED is another uid:
 * refused after connect.  Needs root to listen as another uid.
 */
static void
test_conn_untrusted_peer(void **state)
{
	struct sockdir *sd = *state;
	struct conn_trust t = trust1(getuid());
	int ready[2], done[2], fd = -7, st;
	pid_t pid;
	char c;

	if (getuid() != 0)
		skip();
	sd->lfd = bind_at(sd->path);
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	assert_int_equal(pipe2(done, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		close(done[1]);
		listen_as(sd->lfd, 65534, ready[1], done[0]);
	}
	close(ready[1]);
	close(done[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(conn_open(sd->path, &t, 1000, &fd), PW_ERR_UNTRUSTED);
	assert_int_equal(fd, -1);
	conn_trust_add(&t, 65534);
	assert_int_equal(conn_open(sd->path, &t, 1000, &fd), PW_OK);
	close(fd);
	close(done[1]);
	close(ready[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

enum srv_mode { SRV_REPLY, SRV_WRONG_TYPE, SRV_CLOSE, SRV_VERSION, SRV_SILENT };

/* A one-shot server thread; it records, the main thread asserts. */
struct srv {
	int lfd;
	enum srv_mode mode;
	int r;
	uint8_t type;
	struct pw_request req;
};

/* The crafted reply the server sends. */
static void
srv_reply(struct pw_reply *rep)
{
	memset(rep, 0, sizeof(*rep));
	rep->status = PW_ERR_LOCKED;
	rep->why.code = PW_R_LOCKED;
	rep->note = (struct pw_why){ .code = PW_R_EXPIRES_IN, .factor = 1,
	    .num = 3, .name = "bob", .text = "a word" };
	rep->naccts = 1;
	memcpy(rep->accts[0].name, "bob", 4);
	rep->accts[0].role = PW_ROLE_ADMIN;
	rep->accts[0].login_locked = true;
	rep->accts[0].suspended = true;
	rep->accts[0].otp = PW_OTP_AVAILABLE;
	rep->accts[0].must_change = PW_MUST_CONFIRM;
	rep->accts[0].login_failures = 5;
	rep->accts[0].confirm_failures = 1;
	rep->accts[0].otp_failures = 2;
	rep->accts[0].login_expires = 1700000000;
	rep->nstats = 2;
	rep->stats[0] = 42;
	rep->stats[1] = UINT64_MAX;
}

static int
srv_answer(struct srv *s, int fd, uint8_t *buf)
{
	struct pw_reply *rep = malloc(sizeof(*rep));
	struct wire w;
	int r;

	if (rep == NULL)
		return PW_ERR_NOMEM;
	srv_reply(rep);
	frame_begin(&w, buf, RBUF, s->mode == SRV_WRONG_TYPE ?
	    (PW_REQ_LIST | PW_REPLY) : (uint8_t)(s->type | PW_REPLY));
	if (s->mode == SRV_VERSION)
		buf[4] = PW_PROTO_VERSION + 1;
	if ((r = proto_encode_reply(&w, rep)) == PW_OK)
		r = frame_send(fd, &w, deadline(SLOW_MS));
	free(rep);
	return r;
}

static void *
srv_main(void *arg)
{
	struct srv *s = arg;
	struct pollfd pfd = { .fd = s->lfd, .events = POLLIN };
	uint8_t *buf = malloc(RBUF);
	struct wire payload;
	int fd = -1;

	s->r = PW_ERR_IO;
	if (buf == NULL || poll(&pfd, 1, SLOW_MS) != 1 ||
	    (fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		goto out;
	if ((s->r = frame_recv(fd, buf, RBUF, &s->type, &payload,
	    deadline(SLOW_MS))) != PW_OK ||
	    (s->r = proto_decode_req(&payload, s->type, &s->req)) != PW_OK)
		goto out;
	if (s->mode == SRV_SILENT)
		(void)recv(fd, buf, 1, 0); /* until the client gives up */
	else if (s->mode != SRV_CLOSE)
		s->r = srv_answer(s, fd, buf);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* conn_call of a STATUS request against a server in `mode'. */
static int
call_srv(struct sockdir *sd, enum srv_mode mode, int ms, struct srv *s,
    struct pw_reply *rep)
{
	struct conn_trust t = trust1(getuid());
	struct pw_request req;
	pthread_t th;
	int r;

	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_STATUS;
	memcpy(req.user, "bob", 4);
	memset(s, 0, sizeof(*s));
	s->lfd = sd->lfd = listen_at(sd->path);
	s->mode = mode;
	assert_int_equal(pthread_create(&th, NULL, srv_main, s), 0);
	r = conn_call(sd->path, &t, ms, &req, rep);
	assert_int_equal(pthread_join(th, NULL), 0);
	/* The server got exactly the request. */
	assert_int_equal(s->r, PW_OK);
	assert_int_equal(s->type, PW_REQ_STATUS);
	assert_string_equal(s->req.user, "bob");
	return r;
}

static void
test_call_reply(void **state)
{
	struct pw_reply *rep = malloc(sizeof(*rep));
	struct pw_reply *want = malloc(sizeof(*want));
	struct srv s;

	assert_non_null(rep);
	assert_non_null(want);
	srv_reply(want);
	assert_int_equal(call_srv(*state, SRV_REPLY, 2000, &s, rep), PW_OK);
	assert_int_equal(rep->type, PW_REQ_STATUS | PW_REPLY);
	assert_int_equal(rep->status, PW_ERR_LOCKED);
	assert_memory_equal(&rep->why, &want->why, sizeof(rep->why));
	assert_memory_equal(&rep->note, &want->note, sizeof(rep->note));
	assert_int_equal(rep->more, 0);
	assert_int_equal(rep->naccts, 1);
	assert_memory_equal(&rep->accts[0], &want->accts[0],
	    sizeof(want->accts[0]));
	assert_int_equal(rep->nstats, 2);
	assert_true(rep->stats[0] == 42 && rep->stats[1] == UINT64_MAX);
	free(rep);
	free(want);
}

static void
test_call_wrong_type(void **state)
{
	struct pw_reply *rep = malloc(sizeof(*rep));
	struct srv s;

	assert_non_null(rep);
	assert_int_equal(call_srv(*state, SRV_WRONG_TYPE, 2000, &s, rep),
	    PW_ERR_PROTO);
	free(rep);
}

static void
test_call_closed(void **state)
{
	struct pw_reply *rep = malloc(sizeof(*rep));
	struct srv s;

	assert_non_null(rep);
	assert_int_equal(call_srv(*state, SRV_CLOSE, 2000, &s, rep),
	    PW_ERR_IO);
	free(rep);
}

static void
test_call_version(void **state)
{
	struct pw_reply *rep = malloc(sizeof(*rep));
	struct srv s;

	assert_non_null(rep);
	assert_int_equal(call_srv(*state, SRV_VERSION, 2000, &s, rep),
	    PW_ERR_VERSION);
	free(rep);
}

static void
test_call_silent(void **state)
{
	struct pw_reply *rep = malloc(sizeof(*rep));
	struct srv s;

	assert_non_null(rep);
	assert_int_equal(call_srv(*state, SRV_SILENT, 200, &s, rep),
	    PW_ERR_TIMEOUT);
	free(rep);
}

/* A request that does not encode is never sent. */
static void
test_call_fd_bad_request(void **state)
{
	struct pw_reply *rep = malloc(sizeof(*rep));
	struct pw_request req;
	uint8_t got[16];
	int sv[2];

	(void)state;
	assert_non_null(rep);
	mkpair(sv);
	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_TYPE_MAX + 1;
	assert_int_equal(conn_call_fd(sv[0], 200, &req, rep), PW_ERR_INVAL);
	req.type = PW_REQ_AUTH;
	memcpy(req.user, "bob", 4);
	req.nsecrets = 2; /* AUTH carries exactly one */
	assert_int_equal(conn_call_fd(sv[0], 200, &req, rep), PW_ERR_INVAL);
	assert_int_equal(pending(sv[1], got, sizeof(got)), 0);
	closepair(sv);
	free(rep);
}

#define DIR_TEST(f) cmocka_unit_test_setup_teardown(f, dir_setup, dir_teardown)

int
main(void)
{
	const struct CMUnitTest frame_conn[] = {
		cmocka_unit_test(test_frame_bytes),
		cmocka_unit_test(test_frame_round_trip),
		cmocka_unit_test(test_recv_toolong),
		cmocka_unit_test(test_recv_short_len),
		cmocka_unit_test(test_recv_version),
		cmocka_unit_test(test_recv_peer_closes),
		cmocka_unit_test(test_recv_timeout),
		cmocka_unit_test(test_send_closed_peer),
		cmocka_unit_test(test_send_refused),
		cmocka_unit_test(test_send_timeout),
		cmocka_unit_test(test_frame_max_slow_reader),
		cmocka_unit_test(test_frame_slow_writer),
		cmocka_unit_test(test_fd_pass_pipe),
		cmocka_unit_test(test_fd_pass_file),
		cmocka_unit_test(test_fd_recv_none),
		cmocka_unit_test(test_fd_recv_refused_no_leak),
		cmocka_unit_test(test_fd_recv_peer_closed),
		cmocka_unit_test(test_fd_recv_timeout),
		cmocka_unit_test(test_fd_send_errors),
		cmocka_unit_test(test_fd_after_frame),
		cmocka_unit_test(test_trust_add),
		cmocka_unit_test(test_call_fd_bad_request),
		DIR_TEST(test_conn_trusted),
		DIR_TEST(test_conn_untrusted_owner),
		DIR_TEST(test_conn_not_a_socket),
		DIR_TEST(test_conn_unreachable),
		DIR_TEST(test_conn_fd_above_stdio),
		DIR_TEST(test_conn_untrusted_peer),
		DIR_TEST(test_call_reply),
		DIR_TEST(test_call_wrong_type),
		DIR_TEST(test_call_closed),
		DIR_TEST(test_call_version),
		DIR_TEST(test_call_silent),
	};

	return cmocka_run_group_tests(frame_conn, NULL, NULL);
}
