/* SPDX-License-Identifier: MIT */
/*
 * Frames on the wire (all integers big-endian):
 *
 *   byte 0-3  u32 len      bytes that follow (version + type + payload),
 *                          2 <= len <= PW_FRAME_MAX
 *   byte 4    u8 version   PW_PROTO_VERSION
 *   byte 5    u8 type      request type, or request type | 0x80 in a reply
 *   byte 6-   payload      fields of the type's schema (see PROTOCOL)
 */
#include <sys/socket.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "proto.h"
#include "pwerr.h"

int64_t
frame_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for `events' on fd until the deadline. */
static int
wait_fd(int fd, short events, int64_t deadline_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int64_t left;
	int n;

	for (;;) {
		left = deadline_ms - frame_now_ms();
		if (left <= 0)
			return PW_ERR_TIMEOUT;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return PW_OK;
		if (n < 0 && errno != EINTR)
			return PW_ERR_IO;
	}
}

void
frame_begin(struct wire *w, void *buf, size_t cap, uint8_t type)
{
	wire_init(w, buf, cap);
	/* cap is always >= PW_FRAME_HDR for our fixed buffers */
	(void)(wire_put_u32(w, 0) || wire_put_u8(w, PW_PROTO_VERSION) ||
	    wire_put_u8(w, type));
}

int
frame_send(int fd, struct wire *w, int64_t deadline_ms)
{
	size_t off = 0, body;
	ssize_t n;
	int r;

	if (w->len < PW_FRAME_HDR)
		return PW_ERR_INTERNAL;
	body = w->len - 4;
	if (body > PW_FRAME_MAX)
		return PW_ERR_TOOLONG;
	w->p[0] = (uint8_t)(body >> 24);
	w->p[1] = (uint8_t)(body >> 16);
	w->p[2] = (uint8_t)(body >> 8);
	w->p[3] = (uint8_t)body;
	while (off < w->len) {
		n = send(fd, w->p + off, w->len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((r = wait_fd(fd, POLLOUT, deadline_ms)) != PW_OK)
				return r;
			continue;
		}
		return PW_ERR_IO;
	}
	return PW_OK;
}

/* Reads exactly n bytes. */
static int
read_full(int fd, uint8_t *p, size_t n, int64_t deadline_ms)
{
	size_t off = 0;
	ssize_t k;
	int r;

	while (off < n) {
		k = recv(fd, p + off, n - off, MSG_DONTWAIT);
		if (k > 0) {
			off += (size_t)k;
			continue;
		}
		if (k == 0)
			return PW_ERR_IO;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return PW_ERR_IO;
		if ((r = wait_fd(fd, POLLIN, deadline_ms)) != PW_OK)
			return r;
	}
	return PW_OK;
}

int
frame_recv(int fd, void *buf, size_t cap, uint8_t *type, struct wire *payload,
    int64_t deadline_ms)
{
	uint8_t *b = buf;
	uint32_t len;
	int r;

	*type = 0;
	wire_from(payload, buf, 0);
	if (cap < 4 + PW_FRAME_MAX)
		return PW_ERR_INTERNAL;
	if ((r = read_full(fd, b, 4, deadline_ms)) != PW_OK)
		return r;
	len = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | (uint32_t)b[3];
	if (len > PW_FRAME_MAX)
		return PW_ERR_TOOLONG;
	if (len < 2)
		return PW_ERR_PROTO;
	if ((r = read_full(fd, b + 4, len, deadline_ms)) != PW_OK)
		return r;
	if (b[4] != PW_PROTO_VERSION)
		return PW_ERR_VERSION;
	*type = b[5];
	wire_from(payload, b + PW_FRAME_HDR, len - 2);
	return PW_OK;
}

int
frame_send_fd(int sock, int fd, int64_t deadline_ms)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	char byte = 'F';
	struct iovec iov = { &byte, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	ssize_t n;
	int r;

	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	for (;;) {
		if ((r = wait_fd(sock, POLLOUT, deadline_ms)) != PW_OK)
			return r;
		n = sendmsg(sock, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == 1)
			return PW_OK;
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		return PW_ERR_IO;
	}
}

/* Closes every descriptor carried by the control messages of m. */
static void
close_passed(struct msghdr *m)
{
	struct cmsghdr *c;
	size_t i, k;
	int fd;

	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			(void)close(fd);
		}
	}
}

int
frame_recv_fd(int sock, int *fdp, int64_t deadline_ms)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(2 * sizeof(int))];
	} ctl;
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr m;
	struct cmsghdr *c;
	ssize_t n;
	int r;

	*fdp = -1;
	for (;;) {
		memset(&m, 0, sizeof(m));
		memset(&ctl, 0, sizeof(ctl));
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		m.msg_control = ctl.buf;
		m.msg_controllen = sizeof(ctl.buf);
		if ((r = wait_fd(sock, POLLIN, deadline_ms)) != PW_OK)
			return r;
		n = recvmsg(sock, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		break;
	}
	if (n != 1) {
		if (n > 0)
			close_passed(&m);
		return PW_ERR_IO;
	}
	c = CMSG_FIRSTHDR(&m);
	if (byte != 'F' || (m.msg_flags & MSG_CTRUNC) || c == NULL ||
	    c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)) ||
	    CMSG_NXTHDR(&m, c) != NULL) {
		close_passed(&m);
		return PW_ERR_PROTO;
	}
	memcpy(fdp, CMSG_DATA(c), sizeof(int));
	return PW_OK;
}
