/* SPDX-License-Identifier: MIT */
/* Daemon logging.  Messages are built from validated fields only (names
 * pass proto_name_valid, service/rhost are printable ASCII), so nothing a
 * peer sends can inject a line; secrets are never passed here. */
#include <sys/stat.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"
#include "proto.h"
#include "stats.h"

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

static void vlog(int pri, const char *fmt, va_list ap, const char *suffix)
    __attribute__((format(printf, 2, 0)));

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

/* ==== Rate-limited lines ==== */

#define LIMIT_SLOTS 64 /* (kind, uid) pairs followed at once */

struct limit {
	bool used;
	enum log_kind kind;
	unsigned uid;	  /* UINT_MAX: the keys that found no slot */
	char name[PW_USER_MAX + 1]; /* "" for none */
	time_t start;	  /* the window's start (CLOCK_MONOTONIC s) */
	unsigned written; /* lines written in this window */
	unsigned folded;  /* lines counted, not written */
};

static const char *const kind_word[LOG_KIND_COUNT] = {
	[LOG_KIND_CONN_REFUSED] = "connections refused",
	[LOG_KIND_BAD_REQUEST] = "bad requests",
	[LOG_KIND_REPLY] = "replies not sent",
	[LOG_KIND_REFUSED] = "refused checks",
	[LOG_KIND_ACCOUNT] = "account checks",
	[LOG_KIND_HASH] = "failed hashes",
};

static pthread_mutex_t limit_mu = PTHREAD_MUTEX_INITIALIZER;
static time_t window = 60; /* seconds */
static struct limit limits[LIMIT_SLOTS];
static struct limit overflow[LOG_KIND_COUNT];

static time_t
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Called with limit_mu held: the summary of a window that is over. */
static void
summarise(struct limit *l, time_t now)
{
	char who[32 + PW_USER_MAX];

	if (l->folded > 0) {
		if (l->uid == UINT_MAX)
			snprintf(who, sizeof(who), "other uids and names");
		else if (l->name[0] != '\0')
			snprintf(who, sizeof(who), "uid=%u user=%s", l->uid,
			    l->name);
		else
			snprintf(who, sizeof(who), "uid=%u", l->uid);
		log_warnx("%s from %s: %u more in the last %lld s, not logged "
		    "one by one", kind_word[l->kind], who, l->folded,
		    (long long)(now - l->start));
	}
	l->start = now;
	l->written = l->folded = 0;
}

/* Called with limit_mu held: the window of (kind, uid, name). */
static struct limit *
limit_of(enum log_kind kind, unsigned uid, const char *name, time_t now)
{
	struct limit *l, *free_slot = NULL;
	size_t i;

	for (i = 0; i < LIMIT_SLOTS; i++) {
		l = &limits[i];
		if (l->used && l->kind == kind && l->uid == uid &&
		    strcmp(l->name, name) == 0)
			return l;
		if (!l->used && free_slot == NULL)
			free_slot = l;
	}
	if ((l = free_slot) == NULL) {
		l = &overflow[kind];
		l->kind = kind;
		l->uid = UINT_MAX;
		if (l->start == 0)
			l->start = now;
		return l;
	}
	memset(l, 0, sizeof(*l));
	l->used = true;
	l->kind = kind;
	l->uid = uid;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->start = now;
	return l;
}

void
log_set_window(unsigned seconds)
{
	pthread_mutex_lock(&limit_mu);
	window = seconds > 0 ? (time_t)seconds : 1;
	pthread_mutex_unlock(&limit_mu);
}

void
log_limited(enum log_kind kind, unsigned uid, const char *name,
    const char *fmt, ...)
{
	time_t now = mono_s();
	struct limit *l;
	bool write;
	va_list ap;
	int saved = errno;

	if ((unsigned)kind >= LOG_KIND_COUNT)
		return;
	pthread_mutex_lock(&limit_mu);
	/* names are valid account names: short, printable, never a secret */
	l = limit_of(kind, uid, name != NULL && strlen(name) <= PW_USER_MAX ?
	    name : "", now);
	if (now - l->start >= window)
		summarise(l, now);
	if ((write = l->written < LOG_BURST))
		l->written++;
	else
		l->folded++;
	pthread_mutex_unlock(&limit_mu);
	if (!write) {
		stats_inc(PW_STAT_LOG_SUPPRESSED);
		errno = saved;
		return;
	}
	va_start(ap, fmt);
	vlog(kind == LOG_KIND_ACCOUNT ? LOG_INFO : kind == LOG_KIND_REFUSED ?
	    LOG_NOTICE : LOG_WARNING, fmt, ap, NULL);
	va_end(ap);
	errno = saved;
}

void
log_flush(bool all)
{
	time_t now = mono_s();
	size_t i;

	pthread_mutex_lock(&limit_mu);
	for (i = 0; i < LIMIT_SLOTS; i++) {
		if (!limits[i].used || (!all && now - limits[i].start < window))
			continue;
		summarise(&limits[i], now);
		limits[i].used = false; /* quiet for a window: the slot is free */
	}
	for (i = 0; i < LOG_KIND_COUNT; i++)
		if (overflow[i].start != 0 &&
		    (all || now - overflow[i].start >= window))
			summarise(&overflow[i], now);
	pthread_mutex_unlock(&limit_mu);
}
