/* SPDX-License-Identifier: MIT */
/* Daemon logging.  Messages are built from validated fields only (names
 * pass proto_name_valid, service/rhost are printable ASCII), so nothing a
 * peer sends can inject a line; secrets are never passed here. */
#include <sys/stat.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static bool log_stderr = true;
static bool log_journal;	/* stderr is systemd's journal stream */
static bool log_echo;		/* syslog, and stderr while starting */
static bool log_debug_on;
static void (*at_fatal)(void);

void
log_at_fatal(void (*fn)(void))
{
	at_fatal = fn;
}

/*
 * Is stderr the stream systemd connected to the journal ($JOURNAL_STREAM
 * names its device and inode)?  Then each line starts with its syslog
 * priority, "<4>...", which journald reads (sd-daemon(3)); the unit's
 * SyslogIdentifier= and SyslogFacility= give ident and facility.
 */
static bool
stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	uintmax_t dev, ino;
	struct stat st;

	if (e == NULL || sscanf(e, "%ju:%ju", &dev, &ino) != 2 ||
	    fstat(2, &st) != 0)
		return false;
	return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

void
log_init(bool to_stderr, bool debug)
{
	log_stderr = to_stderr;
	log_journal = to_stderr && stderr_is_journal();
	log_debug_on = debug;
	if (!to_stderr)
		openlog("pwadmind", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

void
log_echo_stderr(bool on)
{
	log_echo = on && !log_stderr;
}

static void
vlog(int pri, const char *fmt, va_list ap, const char *suffix)
{
	char line[1024];

	if (pri == LOG_DEBUG && !log_debug_on)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_journal) {
		fprintf(stderr, "<%d>%s%s%s\n", pri, line,
		    suffix != NULL ? ": " : "", suffix != NULL ? suffix : "");
		return;
	}
	if (log_stderr || (log_echo && pri <= LOG_WARNING)) {
		fprintf(stderr, "pwadmind: %s%s%s\n", line,
		    suffix != NULL ? ": " : "", suffix != NULL ? suffix : "");
		if (log_stderr)
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
	if (at_fatal != NULL)
		at_fatal();
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, NULL);
	va_end(ap);
	if (at_fatal != NULL)
		at_fatal();
	exit(1);
}
