/* SPDX-License-Identifier: MIT */
/* Daemon logging: syslog (authpriv) or stderr in the foreground. */
#ifndef PWD_LOG_H
#define PWD_LOG_H

#include <stdbool.h>

#define PWD_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* to_stderr: log to stderr instead of syslog; debug: also LOG_DEBUG lines. */
void log_init(bool to_stderr, bool debug);
/* Also write warnings and errors to stderr besides syslog: while a
 * detaching daemon starts, so that whoever started it sees why it failed. */
void log_echo_stderr(bool on);
void log_warn(const char *fmt, ...) PWD_PRINTF(1, 2);	/* adds strerror(errno) */
void log_warnx(const char *fmt, ...) PWD_PRINTF(1, 2);
void log_notice(const char *fmt, ...) PWD_PRINTF(1, 2);
void log_info(const char *fmt, ...) PWD_PRINTF(1, 2);
void log_debug(const char *fmt, ...) PWD_PRINTF(1, 2);
/*
 * Lines a peer can cause at will, without a hash (refused connections,
 * malformed requests, refusals of locked or suspended accounts, checks
 * refused while the store is unwritable...).  Per kind, uid and account
 * name (NULL: none; root's PAM requests for one account then do not hide
 * those for another), the first
 * LOG_BURST lines of a log_window-second window are written; the rest are
 * counted (stats log_lines_suppressed) and summarised once the window is
 * over: "<kind> from uid=U [user=NAME]: N more in the last T s".  64
 * such keys are followed at once, the others share one per kind.  Lock,
 * audit and
 * start/stop lines never go through here, so a flood cannot push them out
 * of a rate-limited journal.
 */
enum log_kind {
	LOG_KIND_CONN_REFUSED,	/* connection limit */
	LOG_KIND_BAD_REQUEST,	/* malformed request */
	LOG_KIND_REPLY,		/* reply not sent */
	LOG_KIND_REFUSED,	/* a check refused before any hash */
	LOG_KIND_ACCOUNT,	/* account (pam_acct_mgmt) answers */
	LOG_KIND_HASH,		/* a hash that could not run */
	LOG_KIND_COUNT
};
#define LOG_BURST 5 /* lines per kind and uid in one window */
/* The window's length in seconds (log_window; 60 until set). */
void log_set_window(unsigned seconds);
void log_limited(enum log_kind kind, unsigned uid, const char *name,
    const char *fmt, ...) PWD_PRINTF(4, 5);
/* Writes the summaries of windows that are over (call about once a
 * second), or with all, of every window (before the daemon stops). */
void log_flush(bool all);
/* fn runs in fatal()/fatalx() before exit (NULL: nothing). */
void log_at_fatal(void (*fn)(void));
/* Startup only: log and exit(1). */
__attribute__((noreturn)) void fatal(const char *fmt, ...) PWD_PRINTF(1, 2);
__attribute__((noreturn)) void fatalx(const char *fmt, ...) PWD_PRINTF(1, 2);

#endif
