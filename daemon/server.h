/* SPDX-License-Identifier: MIT */
/* The daemon's socket: listen, accept, one thread per connection. */
#ifndef PWD_SERVER_H
#define PWD_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "store.h"

/*
 * Binds a stream socket at path (mode 0666: authorisation is by
 * SO_PEERCRED).  A stale socket nobody listens on is replaced; a live one,
 * or anything that is not a socket, is an error described in err.
 */
int server_listen(const char *path, int *fdp, char *err, size_t errsz) PW_WUR;

/*
 * Serves until SIGTERM or SIGINT (which the caller has blocked in every
 * thread), then stops accepting and waits for the connections in progress
 * (at most request_timeout + slot_wait_timeout seconds).  Returns 0, or
 * -1 when some are still running (the store must then not be closed).
 * SIGHUP is logged and ignored.
 */
int server_run(int listen_fd, const struct pwd_conf *conf, struct store *st);

#endif
