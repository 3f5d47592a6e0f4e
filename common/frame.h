/* SPDX-License-Identifier: MIT */
/* One length-prefixed frame on a stream socket, with deadlines. */
#ifndef PW_FRAME_H
#define PW_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define PW_FRAME_HDR 6 /* bytes: u32 len, u8 version, u8 type */

/* Milliseconds of CLOCK_MONOTONIC, for deadlines. */
int64_t frame_now_ms(void);

/*
 * Starts a frame of `type' in buf[0..cap): reserves the header, so the
 * caller appends the payload to *w.  frame_send() fills in the length.
 */
void frame_begin(struct wire *w, void *buf, size_t cap, uint8_t type);
/*
 * Sends the frame built in *w, retrying short writes and EINTR, never
 * raising SIGPIPE, and failing with PW_ERR_TIMEOUT at `deadline_ms'.
 */
int frame_send(int fd, struct wire *w, int64_t deadline_ms) PW_WUR;
/*
 * Receives one frame into buf[0..cap) (cap >= PW_FRAME_MAX + 4).  A length
 * over PW_FRAME_MAX or under 2 is refused before the body is read.  On
 * success *type is the frame's type and *payload reads its payload.  Fails
 * with PW_ERR_IO when the peer closes, PW_ERR_TIMEOUT at the deadline,
 * PW_ERR_VERSION on another protocol version (the body is consumed).
 */
int frame_recv(int fd, void *buf, size_t cap, uint8_t *type,
    struct wire *payload, int64_t deadline_ms) PW_WUR;


/*
 * Passes the descriptor fd to the peer of sock (SCM_RIGHTS on one byte
 * sent after a frame); the caller keeps its own copy of fd.
 */
int frame_send_fd(int sock, int fd, int64_t deadline_ms) PW_WUR;

/*
 * Receives exactly one descriptor sent by frame_send_fd into *fdp
 * (close-on-exec; the caller closes it).  Anything else (no descriptor,
 * several, a truncated control message) closes what arrived and fails
 * with PW_ERR_PROTO; *fdp is -1 on failure.
 */
int frame_recv_fd(int sock, int *fdp, int64_t deadline_ms) PW_WUR;

#endif
