/* SPDX-License-Identifier: MIT */
/*
 * Test preload: syslog(3) appended to the file $PWTEST_SYSLOG_FILE instead of
 * the machine's /dev/log, so that the harness collects what the PAM module
 * logs through libpam's pam_syslog (and anything else a test process logs).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

/* glibc's fortified entry points (libpam calls __syslog_chk). */
void __syslog_chk(int pri, int flag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static const char *th_ident;	/* from openlog, else the program's name */
static int th_mask = 0xff;	/* setlogmask */

/* fmt with every %m replaced by the error text (as syslog does); NULL
 * when out of memory. */
static char *
expand_m(const char *fmt, int err)
{
	const char *etext = strerror(err);
	size_t n = strlen(fmt), elen = strlen(etext), i, o = 0, count = 0;
	char *out;

	for (i = 0; fmt[i] != '\0'; i++)
		if (fmt[i] == '%' && fmt[i + 1] != '\0')
			count += fmt[++i] == 'm';
	if ((out = malloc(n + count * elen + 1)) == NULL)
		return NULL;
	for (i = 0; fmt[i] != '\0'; i++) {
		if (fmt[i] == '%' && fmt[i + 1] == 'm') {
			/* the error text holds no '%' that could be read as
			 * a conversion: glibc's strerror texts have none */
			memcpy(out + o, etext, elen);
			o += elen;
			i++;
		} else if (fmt[i] == '%' && fmt[i + 1] != '\0') {
			out[o++] = fmt[i++];
			out[o++] = fmt[i];
		} else {
			out[o++] = fmt[i];
		}
	}
	out[o] = '\0';
	return out;
}

/* One line "<pri>ident[pid]: message\n" appended with one write. */
static void
capture(int pri, const char *fmt, va_list ap)
{
	int saved = errno, fd, len;
	const char *path = getenv("PWTEST_SYSLOG_FILE");
	char *f = NULL, *msg = NULL, *line = NULL, *p;

	if (path == NULL || (LOG_MASK(LOG_PRI(pri)) & th_mask) == 0)
		goto out;
	if ((f = expand_m(fmt, saved)) == NULL ||
	    vasprintf(&msg, f, ap) < 0) {
		msg = NULL;
		goto out;
	}
	/* one record, one line: a message's own newlines would split it */
	for (p = msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	len = asprintf(&line, "<%d>%s[%d]: %s\n", pri,
	    th_ident != NULL ? th_ident : program_invocation_short_name,
	    (int)getpid(), msg);
	if (len < 0) {
		line = NULL;
		goto out;
	}
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0666)) >= 0) {
		if (write(fd, line, (size_t)len) != len)
			(void)!write(2, "th_syslog: short write\n", 23);
		close(fd);
	} else {
		(void)!write(2, "th_syslog: cannot open the log file\n", 36);
	}
out:
	free(line);
	free(msg);
	free(f);
	errno = saved;
}

void
openlog(const char *ident, int option, int facility)
{
	(void)option;
	(void)facility;
	th_ident = ident;
}

void
closelog(void)
{
	th_ident = NULL;
}

int
setlogmask(int mask)
{
	int old = th_mask;

	if (mask != 0)
		th_mask = mask;
	return old;
}

void
vsyslog(int pri, const char *fmt, va_list ap)
{
	capture(pri, fmt, ap);
}

void
syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	capture(pri, fmt, ap);
	va_end(ap);
}

void
__vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	capture(pri, fmt, ap);
}

void
__syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	capture(pri, fmt, ap);
	va_end(ap);
}
