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
/* fn runs in fatal()/fatalx() before exit (NULL: nothing). */
void log_at_fatal(void (*fn)(void));
/* Startup only: log and exit(1). */
__attribute__((noreturn)) void fatal(const char *fmt, ...) PWD_PRINTF(1, 2);
__attribute__((noreturn)) void fatalx(const char *fmt, ...) PWD_PRINTF(1, 2);

#endif
