/* SPDX-License-Identifier: MIT */
/* Daemon logging.  Messages are built from validated fields only (names
 * pass proto_name_valid, service/rhost are printable ASCII), so nothing a
 * peer sends can inject a line; secrets are never passed here. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static bool log_stderr = true;
static bool log_debug_on;

void
log_init(bool to_stderr, bool debug)
{
	log_stderr = to_stderr;
	log_debug_on = debug;
	if (!to_stderr)
		openlog("pwadmind", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char line[1024];

	if (pri == LOG_DEBUG && !log_debug_on)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_stderr) {
		fprintf(stderr, "pwadmind: %s%s%s\n", line,
		    suffix != NULL ? ": " : "", suffix != NULL ? suffix : "");
		return;
	}
	if (suffix != NULL)
		syslog(pri, "%s: %s", line, suffix);
	else
		syslog(pri, "%s", line);
}

#define LOGFN(name, pri, withErr)                                   \
	void name(const char *fmt, ...)                             \
	{                                                           \
		int saved = errno;                                  \
		va_list ap;                                         \
		va_start(ap, fmt);                                  \
		vlog(pri, fmt, ap, withErr ? strerror(saved) : NULL); \
		va_end(ap);                                         \
		errno = saved;                                      \
	}

LOGFN(log_warn, LOG_WARNING, 1)
LOGFN(log_warnx, LOG_WARNING, 0)
LOGFN(log_notice, LOG_NOTICE, 0)
LOGFN(log_info, LOG_INFO, 0)
LOGFN(log_debug, LOG_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
