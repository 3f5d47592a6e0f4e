/* SPDX-License-Identifier: MIT */
/* The test harness: the real client, plain, on a terminal or in a
 * conversation, and what it shows (harness.h). */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <libgen.h>
#include <link.h>
#include <poll.h>
#include <pty.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <security/pam_appl.h>
#include <libpamtest.h>

#include "conn.h"
#include "harness.h"
#include "harness_int.h"
#include "proto.h"
#include "pwerr.h"
#include "wipe.h"

/* Reads fd to EOF into buf (NUL-terminated, cut at bufsz - 1). */
static void
slurp(int fd, char *buf, size_t bufsz)
{
	size_t off = 0;
	ssize_t n;
	char sink[4096];

	while ((n = read(fd, off + 1 < bufsz ? buf + off : sink,
	    off + 1 < bufsz ? bufsz - 1 - off : sizeof(sink))) > 0 ||
	    (n < 0 && errno == EINTR))
		if (n > 0 && off + 1 < bufsz)
			off += (size_t)n;
	buf[off] = '\0';
}

/* In the child: the pipes on 0-2, the uid (0 = the caller's), the client. */
static void __attribute__((noreturn))
exec_client(struct th *t, uid_t uid, const char *exe, char **argv,
    const int in[2], const int out[2], const int err[2])
{
	child_env(t);
	dup2(in[0], 0);
	dup2(out[1], 1);
	dup2(err[1], 2);
	if (uid != 0 && (setgroups(0, NULL) != 0 ||
	    setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0))
		_exit(96);
	execv(exe, argv);
	_exit(97);
}

int
th_client(struct th *t, uid_t uid, const char *input, ...)
{
	char *argv[64];
	int in[2], out[2], err[2], st, n = 0;
	char exe[PATH_MAX];
	va_list ap;
	pid_t pid;

	snprintf(exe, sizeof(exe), "%s/pwadmin", t->build);
	argv[n++] = strdup("pwadmin");
	argv[n++] = strdup("--socket");
	argv[n++] = strdup(t->sock);
	argv[n++] = strdup("--stdin");
	va_start(ap, input);
	while (n < 63 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 ||
	    pipe2(err, O_CLOEXEC) != 0)
		die("pipe");
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0)
		exec_client(t, uid, exe, argv, in, out, err);
	free(argv[0]);
	free(argv[1]);
	free(argv[2]);
	free(argv[3]);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	note_lines(input);
	if (input != NULL && write(in[1], input, strlen(input)) < 0 &&
	    errno != EPIPE) /* EPIPE: it exited without reading, its choice */
		fprintf(stderr, "harness: could not feed the client\n");
	close(in[1]);
	slurp(out[0], t->out, sizeof(t->out));
	slurp(err[0], t->err, sizeof(t->err));
	note_otp(t->out);
	close(out[0]);
	close(err[0]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int
th_client_pty(struct th *t, uid_t uid, const char *input, ...)
{
	struct termios tio;
	struct pollfd pfd;
	static char a_name[] = "pwadmin", a_sock[] = "--socket",
	    a_stdin[] = "--stdin";
	char *argv[64], exe[PATH_MAX], sink[4096];
	int master, slave, st, n = 0, i, waited = 0;
	size_t off = 0;
	ssize_t r;
	va_list ap;
	pid_t pid;

	snprintf(exe, sizeof(exe), "%s/pwadmin", t->build);
	argv[n++] = a_name;
	argv[n++] = a_sock;
	argv[n++] = t->sock;
	argv[n++] = a_stdin;
	va_start(ap, input);
	while (n < 63 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	t->out[0] = t->err[0] = '\0';
	if (openpty(&master, &slave, NULL, NULL, NULL) != 0)
		die("openpty");
	/* the typed secrets are not echoed into the captured output */
	if (tcgetattr(slave, &tio) != 0)
		die("tcgetattr");
	tio.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	if (tcsetattr(slave, TCSANOW, &tio) != 0)
		die("tcsetattr");
	if ((pid = fork()) < 0)
		die("fork");
	if (pid == 0) {
		child_env(t);
		close(master);
		if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) != 0)
			_exit(95);
		dup2(slave, 0);
		dup2(slave, 1);
		dup2(slave, 2);
		if (slave > 2)
			close(slave);
		if (uid != 0 && (setgroups(0, NULL) != 0 ||
		    setresgid(uid, uid, uid) != 0 || setresuid(uid, uid, uid) != 0))
			_exit(96);
		execv(exe, argv);
		_exit(97);
	}
	close(slave);
	note_lines(input);
	/* canonical mode: the lines wait in the terminal until read */
	if (input != NULL && write(master, input, strlen(input)) < 0)
		fprintf(stderr, "harness: could not type to the client\n");
	/* read until the last slave fd closes (EIO), at most 10 s */
	pfd.fd = master;
	pfd.events = POLLIN;
	for (i = 0; i < 100; i++) {
		if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
			break;
		if (pfd.revents == 0)
			continue;
		r = read(master, off + 1 < sizeof(t->out) ? t->out + off : sink,
		    off + 1 < sizeof(t->out) ? sizeof(t->out) - 1 - off :
		    sizeof(sink));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (off + 1 < sizeof(t->out))
			off += (size_t)r;
		i = 0; /* output resets the clock */
	}
	t->out[off] = '\0';
	note_otp(t->out);
	close(master);
	if (i >= 100) {
		fprintf(stderr, "harness: the client on a terminal did not "
		    "finish\n");
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, &st, 0) != pid)
		if (errno != EINTR || ++waited > 100)
			return -1;
	if (!WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int
th_client_start(struct th *t, struct th_proc *p, uid_t uid, ...)
{
	static char a_name[] = "pwadmin", a_sock[] = "--socket",
	    a_stdin[] = "--stdin";
	char *argv[64], exe[PATH_MAX];
	int in[2], out[2], err[2], n = 0;
	va_list ap;

	snprintf(exe, sizeof(exe), "%s/pwadmin", t->build);
	argv[n++] = a_name;
	argv[n++] = a_sock;
	argv[n++] = t->sock;
	argv[n++] = a_stdin;
	va_start(ap, uid);
	while (n < 63 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	memset(p, 0, sizeof(*p));
	p->in = p->out = p->err = -1;
	t->out[0] = t->err[0] = '\0';
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 ||
	    pipe2(err, O_CLOEXEC) != 0)
		die("pipe");
	if ((p->pid = fork()) < 0)
		die("fork");
	if (p->pid == 0)
		exec_client(t, uid, exe, argv, in, out, err);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	p->in = in[1];
	p->out = out[0];
	p->err = err[0];
	return 0;
}

int
th_client_send(struct th_proc *p, const char *text)
{
	size_t off = 0, len = strlen(text);
	ssize_t n;

	note_lines(text);
	while (p->in >= 0 && off < len) {
		n = write(p->in, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1; /* EPIPE: it is gone, its choice */
		off += (size_t)n;
	}
	return p->in >= 0 ? 0 : -1;
}

/* One read from fd into buf at *len (cut at TH_OUT_MAX - 1); closes at EOF. */
static void
drain_one(int *fd, char *buf, size_t *len)
{
	char sink[4096];
	ssize_t n;

	if (*len + 1 < TH_OUT_MAX)
		n = read(*fd, buf + *len, TH_OUT_MAX - 1 - *len);
	else
		n = read(*fd, sink, sizeof(sink));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return;
	}
	if (*len + 1 < TH_OUT_MAX)
		*len += (size_t)n;
	buf[*len] = '\0';
}

/* Waits at most ms for output on either pipe and reads it; -1 when idle. */
static int
pump(struct th *t, struct th_proc *p, int ms)
{
	struct pollfd pfd[2] = { { p->out, POLLIN, 0 }, { p->err, POLLIN, 0 } };
	int r;

	if (p->out < 0 && p->err < 0)
		return -1;
	r = poll(pfd, 2, ms);
	if (r < 0 && errno == EINTR)
		return 0;
	if (r <= 0)
		return -1;
	if (p->out >= 0 && pfd[0].revents != 0)
		drain_one(&p->out, t->out, &p->outlen);
	if (p->err >= 0 && pfd[1].revents != 0)
		drain_one(&p->err, t->err, &p->errlen);
	return 0;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
th_client_expect(struct th *t, struct th_proc *p, const char *needle,
    char *line, size_t linesz, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms, left;
	char *nl, *start;

	for (;;) {
		/* every whole line not matched before */
		while ((nl = memchr(t->out + p->scan, '\n',
		    p->outlen - p->scan)) != NULL) {
			start = t->out + p->scan;
			p->scan = (size_t)(nl - t->out) + 1;
			*nl = '\0';
			if (strstr(start, needle) != NULL) {
				note_otp(start);
				snprintf(line, linesz, "%s", start);
				*nl = '\n';
				return 0;
			}
			*nl = '\n';
		}
		if (p->out < 0 || (left = deadline - now_ms()) <= 0)
			return -1;
		(void)pump(t, p, (int)left);
	}
}

int
th_client_finish(struct th *t, struct th_proc *p)
{
	long long deadline = now_ms() + 10000, left;
	int st, r;

	if (p->in >= 0) {
		close(p->in);
		p->in = -1;
	}
	while ((p->out >= 0 || p->err >= 0) &&
	    (left = deadline - now_ms()) > 0)
		(void)pump(t, p, (int)left);
	if (p->out >= 0 || p->err >= 0) {
		fprintf(stderr, "harness: the client did not finish\n");
		kill(p->pid, SIGKILL);
	}
	if (p->out >= 0)
		close(p->out);
	if (p->err >= 0)
		close(p->err);
	p->out = p->err = -1;
	note_otp(t->out);
	while ((r = waitpid(p->pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (r != p->pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

json_t *
th_status(struct th *t, const char *user)
{
	if (th_client(t, 0, "", "status", user, "--json", (char *)NULL) != 0) {
		fprintf(stderr, "status %s failed: %s", user, t->err);
		return NULL;
	}
	return json_loads(t->out, 0, NULL);
}

long long
th_stat(struct th *t, const char *name)
{
	json_t *j, *v;
	long long r = -1;

	if (th_client(t, 0, "", "stats", "--json", (char *)NULL) != 0)
		return -1;
	if ((j = json_loads(t->out, 0, NULL)) == NULL)
		return -1;
	v = json_object_get(json_object_get(j, "counters"), name);
	if (json_is_integer(v))
		r = json_integer_value(v);
	json_decref(j);
	return r;
}

int
th_seed(struct th *t)
{
	if (th_client(t, 0, TH_PW_BOSS_LOGIN "\n" TH_PW_BOSS_CONFIRM "\n",
	    "init", "--master", "boss", (char *)NULL) != 0) {
		fprintf(stderr, "seed init: %s%s", t->out, t->err);
		return -1;
	}
	if (th_client(t, 0, TH_PW_ALICE_LOGIN "\n" TH_PW_ALICE_CONFIRM "\n",
	    "useradd", "alice", "--role", "user", (char *)NULL) != 0) {
		fprintf(stderr, "seed useradd: %s%s", t->out, t->err);
		return -1;
	}
	return 0;
}

int
th_start_seeded(struct th *t, const char *extra)
{
	if (th_daemon_start(t, extra, false) != 0)
		return -1;
	if (th_seed(t) != 0) {
		th_daemon_stop(t);
		return -1;
	}
	return 0;
}

long long
th_field(struct th *t, const char *user, const char *name)
{
	json_t *j = th_status(t, user);
	json_t *v = j != NULL ? json_object_get(j, name) : NULL;
	long long r = json_is_integer(v) ? json_integer_value(v) : -1;

	json_decref(j);
	return r;
}

bool
th_field_is(struct th *t, const char *user, const char *name, const char *want)
{
	json_t *j = th_status(t, user);
	json_t *v = j != NULL ? json_object_get(j, name) : NULL;
	bool r = json_is_string(v) && strcmp(json_string_value(v), want) == 0;

	json_decref(j);
	return r;
}
