/* SPDX-License-Identifier: MIT */
/*
 * Reading secrets for pwadmin.  The terminal path blocks the job-control
 * and termination signals and waits in ppoll() with them unblocked, so a
 * signal always finds the terminal restored and the buffer wiped before it
 * is raised again.  No stdio buffer ever holds a secret.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"
#include "output.h"
#include "prompt.h"
#include "pwerr.h"
#include "util.h"
#include "wipe.h"

#define PROMPT_TRIES 3 /* attempts to type a new secret twice alike */
#define PROMPT_MAX   160 /* bytes of a prompt or description */

static const int tty_sigs[] = { SIGINT, SIGHUP, SIGQUIT, SIGTERM, SIGTSTP,
	SIGTTIN, SIGTTOU };
#define NSIGS (sizeof(tty_sigs) / sizeof(tty_sigs[0]))

/* The signal that interrupted a terminal read (0 = none). */
static volatile sig_atomic_t caught;

static void
on_signal(int sig)
{
	caught = sig;
}

/* The terminal settings and signal state to restore after one read. */
struct tty_saved {
	bool term_ok; /* `term' holds the settings to restore */
	struct termios term;
	struct sigaction act[NSIGS];
	sigset_t mask;	   /* the caller's signal mask */
	sigset_t waitmask; /* the mask while waiting for input */
};

/* One byte; 1, 0 at end of input, -1 on error or a caught signal. */
static int
read_byte(int fd, char *ch, const sigset_t *waitmask)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	for (;;) {
		if (waitmask != NULL && ppoll(&pfd, 1, NULL, waitmask) < 0) {
			if (errno == EINTR && caught == 0)
				continue;
			return -1;
		}
		if ((n = read(fd, ch, 1)) >= 0)
			return (int)n;
		if (errno != EINTR || caught != 0)
			return -1;
	}
}

/* Appends c to the line; PW_ERR_TOOLONG when it does not fit. */
static int
put(char *buf, size_t bufsz, size_t *np, char c)
{
	if (*np + 1 >= bufsz)
		return PW_ERR_TOOLONG;
	buf[(*np)++] = c;
	return PW_OK;
}

static int
read_line(int fd, char *buf, size_t bufsz, size_t *lenp,
    const sigset_t *waitmask)
{
	size_t n = 0;
	bool cr = false; /* a '\r' is pending: dropped if '\n' follows */
	char ch = '\0';
	int got, r = PW_OK;

	*lenp = 0;
	for (;;) {
		if ((got = read_byte(fd, &ch, waitmask)) < 0) {
			r = PW_ERR_IO;
			goto out;
		}
		if (got == 0 && n == 0 && !cr) {
			r = PW_ERR_TRUNCATED;
			goto out;
		}
		if (got == 0 || ch == '\n')
			break;
		if (ch == '\0') {
			r = PW_ERR_NUL;
			goto out;
		}
		if (cr && (r = put(buf, bufsz, &n, '\r')) != PW_OK)
			goto out;
		cr = ch == '\r';
		if (!cr && (r = put(buf, bufsz, &n, ch)) != PW_OK)
			goto out;
	}
	if (cr && got == 0)
		r = put(buf, bufsz, &n, '\r');
out:
	pw_wipe(&ch, sizeof(ch));
	if (r != PW_OK) {
		pw_wipe(buf, bufsz);
		return r;
	}
	buf[n] = '\0';
	*lenp = n;
	return PW_OK;
}

int
prompt_read_line(int fd, char *buf, size_t bufsz, size_t *lenp)
{
	if (bufsz == 0) {
		*lenp = 0;
		return PW_ERR_TOOLONG;
	}
	return read_line(fd, buf, bufsz, lenp, NULL);
}

static void
tty_write(int fd, const char *s)
{
	size_t off = 0, n = strlen(s);
	ssize_t w;

	while (off < n) {
		if ((w = write(fd, s + off, n - off)) < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (size_t)w;
	}
}

/* Blocks the signals, catches them, turns echo off. */
static int
tty_enter(int fd, struct tty_saved *sv)
{
	struct sigaction sa;
	struct termios t;
	sigset_t block;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: ppoll returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (i = 0; i < NSIGS; i++)
		sigaddset(&block, tty_sigs[i]);
	memset(sv, 0, sizeof(*sv));
	caught = 0;
	sigprocmask(SIG_BLOCK, &block, &sv->mask);
	sv->waitmask = sv->mask;
	for (i = 0; i < NSIGS; i++) {
		sigdelset(&sv->waitmask, tty_sigs[i]);
		sigaction(tty_sigs[i], &sa, &sv->act[i]);
	}
	if (tcgetattr(fd, &sv->term) != 0)
		return PW_ERR_IO;
	sv->term_ok = true;
	t = sv->term;
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	if (tcsetattr(fd, TCSAFLUSH, &t) != 0)
		return PW_ERR_IO;
	return PW_OK;
}

/* Restores what tty_enter changed (terminal first, then the signals). */
static void
tty_leave(int fd, struct tty_saved *sv)
{
	size_t i;

	if (sv->term_ok)
		(void)tcsetattr(fd, TCSAFLUSH, &sv->term);
	for (i = 0; i < NSIGS; i++)
		sigaction(tty_sigs[i], &sv->act[i], NULL);
	sigprocmask(SIG_SETMASK, &sv->mask, NULL);
}

/*
 * Asks once on the terminal.  A caught signal is raised again after the
 * terminal is restored and the buffer wiped; after a stop (SIGTSTP...)
 * and continue, the question is asked again.
 */
static int
tty_ask(int fd, const char *ask, struct pw_secret *sec)
{
	struct tty_saved sv;
	int r, sig;

	for (;;) {
		PW_WIPE_OBJECT(sec);
		if ((r = tty_enter(fd, &sv)) == PW_OK) {
			tty_write(fd, ask);
			r = read_line(fd, sec->buf, sizeof(sec->buf), &sec->len,
			    &sv.waitmask);
			tty_write(fd, "\n");
		}
		sig = caught;
		tty_leave(fd, &sv);
		if (sig == 0)
			return r;
		PW_WIPE_OBJECT(sec);
		(void)kill(getpid(), sig);
		if (sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU)
			return PW_ERR_IO; /* the signal was ignored */
	}
}

static bool
same_secret(const struct pw_secret *a, const struct pw_secret *b)
{
	return a->len == b->len && memcmp(a->buf, b->buf, a->len) == 0;
}

/*
 * A secret from the terminal; a new one is typed twice, up to PROMPT_TRIES
 * times (PW_ERR_AUTH if never alike).
 */
static int
tty_secret(int fd, const struct prompt_item *it, struct pw_secret *sec)
{
	struct pw_secret again;
	int i, r = PW_ERR_AUTH;

	memset(&again, 0, sizeof(again));
	for (i = 0; i < PROMPT_TRIES; i++) {
		if ((r = tty_ask(fd, it->ask, sec)) != PW_OK ||
		    it->again == NULL)
			goto out;
		if (!pw_utf8_printable(sec->buf)) {
			r = PW_ERR_INVAL;
			goto out;
		}
		if ((r = tty_ask(fd, it->again, &again)) != PW_OK)
			goto out;
		if (same_secret(sec, &again))
			goto out;
		r = PW_ERR_AUTH;
		tty_write(fd, _("Passwords do not match.\n"));
	}
out:
	PW_WIPE_OBJECT(&again);
	return r;
}

/* The one line on stderr for a failed read; returns the exit status. */
static int
report(const struct prompt_src *src, const struct prompt_item *it, int r,
    int errnum)
{
	switch (r) {
	case PW_ERR_TRUNCATED:
		output_error(src->use_stdin ? _("standard input ended before "
		    "%s was read") : _("the terminal ended before %s was read"),
		    it->what);
		return CLI_EXIT_USAGE;
	case PW_ERR_TOOLONG:
		output_error(_("%s is longer than %d bytes"),
		    it->what, PW_PASS_MAX);
		return CLI_EXIT_USAGE;
	case PW_ERR_NUL:
		output_error(_("%s contains a NUL byte"), it->what);
		return CLI_EXIT_USAGE;
	case PW_ERR_INVAL:
		output_error(_("%s is not valid UTF-8 or contains "
		    "control characters"), it->what);
		return CLI_EXIT_USAGE;
	case PW_ERR_AUTH:
		output_error(_("%s was not typed the same way "
		    "twice"), it->what);
		return CLI_EXIT_REFUSED;
	case PW_ERR_CONNECT:
		output_error(_("cannot open the terminal to read "
		    "%s (use --stdin): %s"), it->what, strerror(errnum));
		return CLI_EXIT_USAGE;
	default:
		output_error(src->use_stdin ? _("cannot read %s from standard "
		    "input") : _("cannot read %s from the terminal"), it->what);
		return CLI_EXIT_REFUSED;
	}
}

int
prompt_secret(const struct prompt_src *src, const struct prompt_item *it,
    struct pw_secret *sec)
{
	int fd = -1, r, errnum = 0;

	PW_WIPE_OBJECT(sec);
	if (src->use_stdin)
		r = read_line(src->fd, sec->buf, sizeof(sec->buf), &sec->len,
		    NULL);
	else if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		errnum = errno;
		r = PW_ERR_CONNECT;
	} else
		r = tty_secret(fd, it, sec);
	if (r == PW_OK && it->again != NULL && !pw_utf8_printable(sec->buf))
		r = PW_ERR_INVAL;
	if (fd >= 0)
		close(fd);
	if (r == PW_OK)
		return CLI_EXIT_OK;
	PW_WIPE_OBJECT(sec);
	return report(src, it, r, errnum);
}

/*
 * The words of each new or current secret, whole for the catalogue: what
 * it is called in a message, its prompt and its retype prompt, of the
 * caller's own account (those of another's name it, below).
 */
static const char *const new_own[2][3] = {
	{ N_("your new login password"), N_("New login password: "),
	    N_("Retype new login password: ") },
	{ N_("your new confirmation password"),
	    N_("New confirmation password: "),
	    N_("Retype new confirmation password: ") },
};
static const char *const current[2][2] = {
	{ N_("your current login password"), N_("Current login password: ") },
	{ N_("your current confirmation password"),
	    N_("Current confirmation password: ") },
};

int
prompt_new_secret(const struct prompt_src *src, uint8_t factor,
    const char *user, struct pw_secret *sec)
{
	char what[PROMPT_MAX], ask[PROMPT_MAX], again[PROMPT_MAX];
	struct prompt_item it = { what, ask, again };
	unsigned f = factor == PW_FACTOR_LOGIN ? 0 : 1;

	if (user == NULL) {
		(void)snprintf(what, sizeof(what), "%s", _(new_own[f][0]));
		(void)snprintf(ask, sizeof(ask), "%s", _(new_own[f][1]));
		(void)snprintf(again, sizeof(again), "%s", _(new_own[f][2]));
	} else {
		(void)snprintf(what, sizeof(what), f == 0 ?
		    _("the new login password of %s") :
		    _("the new confirmation password of %s"), user);
		(void)snprintf(ask, sizeof(ask), f == 0 ?
		    _("New login password for %s: ") :
		    _("New confirmation password for %s: "), user);
		(void)snprintf(again, sizeof(again), f == 0 ?
		    _("Retype new login password for %s: ") :
		    _("Retype new confirmation password for %s: "), user);
	}
	return prompt_secret(src, &it, sec);
}

int
prompt_current(const struct prompt_src *src, uint8_t factor,
    struct pw_secret *sec)
{
	unsigned f = factor == PW_FACTOR_LOGIN ? 0 : 1;
	struct prompt_item it = { _(current[f][0]), _(current[f][1]), NULL };

	return prompt_secret(src, &it, sec);
}

int
prompt_differ(const struct pw_secret *login, const struct pw_secret *confirm)
{
	if (!same_secret(login, confirm))
		return CLI_EXIT_OK;
	output_error(_("the login and confirmation passwords must "
	    "differ"));
	return CLI_EXIT_REFUSED;
}

int
prompt_new_pair(const struct prompt_src *src, const char *user,
    struct pw_secret *login, struct pw_secret *confirm)
{
	int ex;

	PW_WIPE_OBJECT(confirm);
	if ((ex = prompt_new_secret(src, PW_FACTOR_LOGIN, user, login)) !=
	    CLI_EXIT_OK)
		return ex;
	if ((ex = prompt_new_secret(src, PW_FACTOR_CONFIRM, user, confirm)) ==
	    CLI_EXIT_OK)
		ex = prompt_differ(login, confirm);
	if (ex != CLI_EXIT_OK) {
		PW_WIPE_OBJECT(login);
		PW_WIPE_OBJECT(confirm);
	}
	return ex;
}

int
prompt_actor(const struct prompt_src *src, struct pw_secret *sec)
{
	struct prompt_item it = { _("your confirmation password"),
		_("Your confirmation password: "), NULL };

	return prompt_secret(src, &it, sec);
}
