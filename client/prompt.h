/* SPDX-License-Identifier: MIT */
/* Reading secrets: from the terminal (echo off) or a line each from --stdin. */
#ifndef PW_PROMPT_H
#define PW_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

/* Where secrets come from. */
struct prompt_src {
	bool use_stdin; /* --stdin: lines from `fd'; else /dev/tty */
	int fd;		/* --stdin: the descriptor to read (0 in pwadmin) */
};

/* One secret to read. */
struct prompt_item {
	const char *what;  /* for messages: "the new login password of alice" */
	const char *ask;   /* the prompt: "New login password for bob: " */
	const char *again; /* terminal retype prompt; NULL = not a new secret */
};

/*
 * Reads one line from fd into buf (at most bufsz - 1 bytes, then a NUL),
 * one byte at a time, so nothing past the line is consumed and no stdio
 * buffer keeps a copy.  A trailing "\n" (and a "\r" before it) is
 * stripped; a last line without "\n" counts.  Returns PW_OK and the
 * length in *lenp, PW_ERR_TRUNCATED at end of input before the line,
 * PW_ERR_TOOLONG for a longer line (refused, never truncated), PW_ERR_NUL
 * for a NUL byte, PW_ERR_IO for a read error.  On failure buf is wiped
 * and *lenp is 0.
 */
int prompt_read_line(int fd, char *buf, size_t bufsz, size_t *lenp) PW_WUR;

/*
 * Reads one secret into *sec (wiped first).  Terminal: the prompt on
 * /dev/tty with echo off (restored on every path, also when a signal
 * arrives); a new secret (it->again != NULL) is typed twice, up to three
 * times until both match.  --stdin: one line, read once.  A new secret
 * must be valid UTF-8 without control characters.  Returns CLI_EXIT_OK,
 * or the exit status after printing one line on stderr, with *sec wiped.
 */
int prompt_secret(const struct prompt_src *src, const struct prompt_item *it,
    struct pw_secret *sec) PW_WUR;

/*
 * Reads the new `factor' password (PW_FACTOR_LOGIN or PW_FACTOR_CONFIRM)
 * of `user' (prompt_secret, as a new secret: typed twice on a terminal,
 * once with --stdin): "New login password for bob: ".  A NULL user is the
 * caller's own account: "New login password: ", "Retype new login
 * password: ".  The prompts are in the locale's language.  Returns as
 * prompt_secret.
 */
int prompt_new_secret(const struct prompt_src *src, uint8_t factor,
    const char *user, struct pw_secret *sec) PW_WUR;

/*
 * Reads the caller's current `factor' password ("Current login
 * password: "), asked once and taken as typed.  Returns as prompt_secret.
 */
int prompt_current(const struct prompt_src *src, uint8_t factor,
    struct pw_secret *sec) PW_WUR;

/*
 * CLI_EXIT_OK when the new login and confirmation passwords differ, else
 * CLI_EXIT_REFUSED after one line on stderr.  Wipes nothing.
 */
int prompt_differ(const struct pw_secret *login,
    const struct pw_secret *confirm) PW_WUR;

/*
 * Reads the new login and then the new confirmation password of `user'
 * (prompt_secret) and refuses two equal ones (CLI_EXIT_REFUSED).  Returns
 * CLI_EXIT_OK or the exit status already reported; both are wiped on
 * failure.
 */
int prompt_new_pair(const struct prompt_src *src, const char *user,
    struct pw_secret *login, struct pw_secret *confirm) PW_WUR;

/* Reads the actor's own confirmation password (prompt_secret). */
int prompt_actor(const struct prompt_src *src, struct pw_secret *sec) PW_WUR;

#endif
