/* SPDX-License-Identifier: MIT */
/* What the harness's files share, apart from the tests (harness.h). */
#ifndef TH_HARNESS_INT_H
#define TH_HARNESS_INT_H

#include <stddef.h>
#include <sys/types.h>

#include "harness.h"

/* Says what failed, with errno, and exits the test (set-up only). */
__attribute__((noreturn)) void die(const char *what);

/* Writes text into path with mode, or dies. */
void write_file(const char *path, const char *text, mode_t mode);

/* The environment of the daemon and client children (nss_wrapper, the
 * sanitizer runtime, the syslog preload, PWTEST_CHILD_PRELOAD). */
void child_env(const struct th *t);

/* Copies the daemon log lines not copied yet into the run's collection. */
void collect_daemon_log(const struct th *t);

/* Records n bytes at s as a secret of the run (long enough, one line). */
void note_secret(const char *s, size_t n);

/* Each line of a client's --stdin input is a secret. */
void note_lines(const char *text);

/* The secret= of every otpauth:// URI in text. */
void note_otp(const char *text);

#endif
