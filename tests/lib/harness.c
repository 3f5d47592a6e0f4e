/* SPDX-License-Identifier: MIT */
/* Integration test harness: temp dir, pam_wrapper/nss_wrapper, daemon, client. */
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

#define PAM_WRAPPER_LIB "libpam_wrapper.so"
#define NSS_WRAPPER_LIB "libnss_wrapper.so"
/* The syslog preload (tests/lib/preload/th_syslog.c), under the build dir. */
#define TH_SYSLOG_SHIM "tests/lib/th_syslog.so"

/* Collection for tests/run.sh (harness.h): file paths, "" when off. */
static char col_daemon[PATH_MAX];	/* PROG.daemon.log */
static char col_secrets[PATH_MAX];	/* PROG.secrets */
static off_t col_copied;		/* bytes of t->log already copied */

void
die(const char *what)
{
	fprintf(stderr, "harness: %s: %s\n", what, strerror(errno));
	exit(99);
}

void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		die(path);
	if (chmod(path, mode) != 0)
		die(path);
}

void
th_path(const struct th *t, char *out, size_t outsz, const char *rel)
{
	snprintf(out, outsz, "%s/%s", t->dir, rel);
}

bool
th_is_root(void)
{
	/* root of a user namespace (tests/run.sh as non-root) cannot switch
	 * to the fake users' uids: those tests skip there */
	return geteuid() == 0 && getenv("PWTEST_USERNS") == NULL;
}

/* Finds the sanitizer runtime this binary was linked with, if any. */
static int
find_asan(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	if (info->dlpi_name != NULL && strstr(info->dlpi_name, "libasan.so")) {
		snprintf(data, PATH_MAX, "%s", info->dlpi_name);
		return 1;
	}
	return 0;
}

static void
build_dir(char *out, size_t outsz)
{
	char exe[PATH_MAX], tmp[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		die("readlink /proc/self/exe");
	exe[n] = '\0';
	/* build/itest/test_x -> build */
	snprintf(tmp, sizeof(tmp), "%s", dirname(exe));
	snprintf(out, outsz, "%s", dirname(tmp));
}

static void
write_users(const char *dir)
{
	char path[PATH_MAX], text[2048];
	struct passwd *me = getpwuid(geteuid());
	const char *myname = me != NULL ? me->pw_name : "tester";

	snprintf(text, sizeof(text),
	    "root:x:0:0:root:/root:/bin/sh\n"
	    "boss:x:%d:%d:Master:/tmp:/bin/sh\n"
	    "alice:x:%d:%d:User:/tmp:/bin/sh\n"
	    "carol:x:%d:%d:Admin:/tmp:/bin/sh\n"
	    "mallory:x:%d:%d:Peer:/tmp:/bin/sh\n"
	    "bob:x:%d:%d:User:/tmp:/bin/sh\n"
	    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	    "%s%s:x:%u:%u:me:/tmp:/bin/sh\n",
	    TH_UID_BOSS, TH_UID_BOSS, TH_UID_ALICE, TH_UID_ALICE, TH_UID_CAROL,
	    TH_UID_CAROL, TH_UID_MALLORY, TH_UID_MALLORY, TH_UID_BOB, TH_UID_BOB,
	    geteuid() == 0 ? "#" : "", myname, (unsigned)geteuid(),
	    (unsigned)getegid());
	snprintf(path, sizeof(path), "%s/passwd", dir);
	write_file(path, text, 0644);
	snprintf(text, sizeof(text), "root:x:0:\nboss:x:%d:\nalice:x:%d:\n"
	    "carol:x:%d:\nmallory:x:%d:\nbob:x:%d:\nnogroup:x:65534:\n",
	    TH_UID_BOSS, TH_UID_ALICE, TH_UID_CAROL, TH_UID_MALLORY, TH_UID_BOB);
	snprintf(path, sizeof(path), "%s/group", dir);
	write_file(path, text, 0644);
}

/* svc/NAME for each "NAME|ARGS": auth and account through the module. */
static void
write_services(const char *dir, const char *build, const char *const *services)
{
	char path[PATH_MAX], text[4096], name[64];
	const char *bar;
	size_t i;

	snprintf(path, sizeof(path), "%s/svc", dir);
	if (mkdir(path, 0755) != 0)
		die(path);
	snprintf(path, sizeof(path), "%s/svc/other", dir);
	write_file(path, "auth required pam_deny.so\naccount required pam_deny.so\n"
	    "password required pam_deny.so\nsession required pam_deny.so\n", 0644);
	for (i = 0; services != NULL && services[i] != NULL; i++) {
		bar = strchr(services[i], '|');
		snprintf(name, sizeof(name), "%.*s", (int)(bar - services[i]),
		    services[i]);
		snprintf(text, sizeof(text),
		    "auth required %s/pam_pwadmin.so %s\n"
		    "account required %s/pam_pwadmin.so %s\n",
		    build, bar + 1, build, bar + 1);
		/* @DIR@ in the arguments stands for the temp dir */
		char *at = strstr(text, "@DIR@");
		while (at != NULL) {
			char rest[4096];
			snprintf(rest, sizeof(rest), "%s", at + 5);
			snprintf(at, sizeof(text) - (size_t)(at - text), "%s%s", dir, rest);
			at = strstr(text, "@DIR@");
		}
		snprintf(path, sizeof(path), "%s/svc/%s", dir, name);
		write_file(path, text, 0644);
	}
}

/* Replaces every `from' in text (size sz) by `to'; cut at sz - 1. */
static void
subst(char *text, size_t sz, const char *from, const char *to)
{
	size_t nfrom = strlen(from), nto = strlen(to);
	char *at = strstr(text, from), *rest;

	while (at != NULL) {
		if ((rest = strdup(at + nfrom)) == NULL)
			die("strdup");
		snprintf(at, sz - (size_t)(at - text), "%s%s", to, rest);
		free(rest);
		if ((size_t)(at - text) + nto >= sz - 1)
			break;
		at = strstr(at + nto, from);
	}
}

/* svc/NAME for each whole service file, @DIR@ and @BUILD@ replaced. */
static void
write_service_files(const char *dir, const char *build,
    const struct th_svcfile *files)
{
	char path[PATH_MAX], text[16384];
	size_t i;

	for (i = 0; files != NULL && files[i].name != NULL; i++) {
		if (strlen(files[i].text) >= sizeof(text)) {
			errno = EFBIG;
			die(files[i].name);
		}
		snprintf(text, sizeof(text), "%s", files[i].text);
		subst(text, sizeof(text), "@DIR@", dir);
		subst(text, sizeof(text), "@BUILD@", build);
		snprintf(path, sizeof(path), "%s/svc/%s", dir, files[i].name);
		write_file(path, text, 0644);
	}
}

/* Environment for the daemon and client children: nss_wrapper only. */
void
child_env(const struct th *t)
{
	char asan[PATH_MAX] = "", pre[4 * PATH_MAX], path[PATH_MAX];
	const char *shim = getenv("PWTEST_SYSLOG_SHIM"),
	    *extra = getenv("PWTEST_CHILD_PRELOAD");

	dl_iterate_phdr(find_asan, asan);
	/* the syslog preload too: nothing a child logs reaches the host;
	 * a test's own (PWTEST_CHILD_PRELOAD) goes ahead of nss_wrapper */
	snprintf(pre, sizeof(pre), "%s%s%s%s%s%s%s", asan, asan[0] ? " " : "",
	    extra != NULL ? extra : "", extra != NULL ? " " : "",
	    NSS_WRAPPER_LIB, shim != NULL ? " " : "", shim != NULL ? shim : "");
	setenv("LD_PRELOAD", pre, 1);
	unsetenv("PAM_WRAPPER");
	unsetenv("PAM_WRAPPER_SERVICE_DIR");
	th_path(t, path, sizeof(path), "passwd");
	setenv("NSS_WRAPPER_PASSWD", path, 1);
	th_path(t, path, sizeof(path), "group");
	setenv("NSS_WRAPPER_GROUP", path, 1);
	/* getspnam of the client's import: a test's own shadow file, when
	 * it writes one (none: no entry) */
	th_path(t, path, sizeof(path), "shadow");
	setenv("NSS_WRAPPER_SHADOW", path, 1);
}

/*
 * First run: when the syslog preload is built, appends it to pre, tells
 * pam_wrapper to hand pam_syslog to libpam (whose syslog calls the preload
 * then takes) and names the file its lines go to, created writable by the
 * other uids that tests switch to.  Without it, pam_wrapper keeps the
 * module's lines to itself (its debug log, off), as before.
 */
static void
syslog_setup(const struct th *t, char *pre, size_t presz)
{
	char shim[PATH_MAX], file[PATH_MAX], rel[PATH_MAX];
	const char *env = getenv("PWTEST_SYSLOG_SHIM"),
	    *logdir = getenv("PWTEST_LOGDIR");
	size_t len = strlen(pre);
	int fd;

	unsetenv("PWTEST_SYSLOG_SHIM");
	unsetenv("PWTEST_SYSLOG_FILE");
	if (env != NULL)
		snprintf(rel, sizeof(rel), "%s", env);
	else
		snprintf(rel, sizeof(rel), "%s/%s", t->build, TH_SYSLOG_SHIM);
	/* absolute: children that change directory load it too */
	if (realpath(rel, shim) == NULL || access(shim, R_OK) != 0) {
		if (logdir != NULL)
			fprintf(stderr, "harness: %s: %s: the module's log lines "
			    "are not collected\n", rel, strerror(errno));
		return;
	}
	if (logdir != NULL)
		snprintf(file, sizeof(file), "%s/%s.syslog.log", logdir,
		    program_invocation_short_name);
	else
		th_path(t, file, sizeof(file), "syslog.log");
	if ((fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0666)) < 0 || fchmod(fd, 0666) != 0)
		die(file);
	close(fd);
	snprintf(pre + len, presz - len, " %s", shim);
	setenv("PWTEST_SYSLOG_SHIM", shim, 1);
	setenv("PWTEST_SYSLOG_FILE", file, 1);
	setenv("PAM_WRAPPER_USE_SYSLOG", "1", 1);
}

/* Re-executed run: the files of PWTEST_LOGDIR (harness.h), if set. */
static void
collect_setup(struct th *t)
{
	const char *logdir = getenv("PWTEST_LOGDIR"),
	    *file = getenv("PWTEST_SYSLOG_FILE");
	int fd;

	if (file != NULL && getenv("PWTEST_SYSLOG_SHIM") != NULL)
		snprintf(t->syslog, sizeof(t->syslog), "%s", file);
	if (logdir == NULL)
		return;
	snprintf(col_daemon, sizeof(col_daemon), "%s/%s.daemon.log", logdir,
	    program_invocation_short_name);
	snprintf(col_secrets, sizeof(col_secrets), "%s/%s.secrets", logdir,
	    program_invocation_short_name);
	/* children running as other uids add to it; none reads it but us */
	if ((fd = open(col_secrets, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0622)) < 0 || fchmod(fd, 0622) != 0)
		die(col_secrets);
	close(fd);
}

/*
 * Appends to PROG.daemon.log what the daemons wrote to t->log since the
 * last call: when a daemon has stopped, was killed, failed to start, and
 * before the next one starts.  A file shorter than what was copied was
 * truncated by the test (to read one start's lines): counting restarts,
 * so lines written and truncated between two calls would be missed.
 */
void
collect_daemon_log(const struct th *t)
{
	char buf[16384];
	struct stat st;
	ssize_t n;
	int in, out;

	if (col_daemon[0] == '\0' ||
	    (in = open(t->log, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	if (fstat(in, &st) == 0 && st.st_size < col_copied)
		col_copied = 0;
	out = open(col_daemon, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (out >= 0 && lseek(in, col_copied, SEEK_SET) == col_copied)
		while ((n = read(in, buf, sizeof(buf))) > 0 &&
		    write(out, buf, (size_t)n) == n)
			col_copied += n;
	if (out >= 0)
		close(out);
	close(in);
}

/* Records the n bytes at s as one secret, if long enough (characters,
 * not bytes) and one line. */
void
note_secret(const char *s, size_t n)
{
	size_t i, chars = 0;
	char *line;
	int fd;

	if (col_secrets[0] == '\0' || s == NULL)
		return;
	for (i = 0; i < n; i++)
		chars += ((unsigned char)s[i] & 0xc0) != 0x80;
	if (chars < TH_SECRET_MIN || memchr(s, '\n', n) != NULL ||
	    memchr(s, '\0', n) != NULL || (line = malloc(n + 1)) == NULL)
		return;
	memcpy(line, s, n);
	line[n] = '\n';
	if ((fd = open(col_secrets, O_WRONLY | O_APPEND | O_CLOEXEC)) >= 0) {
		if (write(fd, line, n + 1) != (ssize_t)(n + 1))
			fprintf(stderr, "harness: a secret was not recorded\n");
		close(fd);
	}
	pw_wipe(line, n + 1);
	free(line);
}

void
th_note_secret(const char *s)
{
	if (s != NULL)
		note_secret(s, strlen(s));
}

/* Each line of what a client reads on --stdin is a secret (the short ones,
 * OTP codes, are left out by note_secret). */
void
note_lines(const char *text)
{
	const char *nl;

	while (text != NULL && *text != '\0') {
		nl = strchr(text, '\n');
		note_secret(text, nl != NULL ? (size_t)(nl - text) : strlen(text));
		text = nl != NULL ? nl + 1 : NULL;
	}
}

/* Records the secret= parameter of every otpauth:// URI in text. */
void
note_otp(const char *text)
{
	const char *u = text, *end, *p;

	while (u != NULL && (u = strstr(u, "otpauth://")) != NULL) {
		end = u + strcspn(u, " \t\r\n\"'<>");
		for (p = u; (p = memmem(p, (size_t)(end - p), "secret=", 7)) !=
		    NULL; p += 7)
			if (p > u && (p[-1] == '?' || p[-1] == '&'))
				note_secret(p + 7, strcspn(p + 7, "&# \t\r\n\"'<>"));
		u = end;
	}
}

void
th_init(struct th *t, int argc, char **argv, const char *const *services)
{
	th_init_files(t, argc, argv, services, NULL);
}

void
th_init_files(struct th *t, int argc, char **argv,
    const char *const *services, const struct th_svcfile *files)
{
	char asan[PATH_MAX] = "", pre[4 * PATH_MAX], path[PATH_MAX];
	const char *dir = getenv("PWTEST_DIR"),
	    *self = getenv("PWTEST_SELF_PRELOAD");

	(void)argc;
	memset(t, 0, sizeof(*t));
	build_dir(t->build, sizeof(t->build));
	if (dir == NULL) {
		snprintf(t->dir, sizeof(t->dir), "/tmp/pwtest.XXXXXX");
		if (mkdtemp(t->dir) == NULL || chmod(t->dir, 0755) != 0)
			die("mkdtemp");
		write_users(t->dir);
		write_services(t->dir, t->build, services);
		write_service_files(t->dir, t->build, files);
		dl_iterate_phdr(find_asan, asan);
		/* a program's own shim (PWTEST_SELF_PRELOAD) goes ahead of
		 * nss_wrapper, in this process only */
		snprintf(pre, sizeof(pre), "%s%s%s %s%s%s", asan,
		    asan[0] ? " " : "", PAM_WRAPPER_LIB,
		    self != NULL ? self : "", self != NULL ? " " : "",
		    NSS_WRAPPER_LIB);
		syslog_setup(t, pre, sizeof(pre));
		setenv("LD_PRELOAD", pre, 1);
		setenv("PAM_WRAPPER", "1", 1);
		snprintf(path, sizeof(path), "%s/svc", t->dir);
		setenv("PAM_WRAPPER_SERVICE_DIR", path, 1);
		setenv("PAM_WRAPPER_DISABLE_DEEPBIND", "1", 1);
		th_path(t, path, sizeof(path), "passwd");
		setenv("NSS_WRAPPER_PASSWD", path, 1);
		th_path(t, path, sizeof(path), "group");
		setenv("NSS_WRAPPER_GROUP", path, 1);
		setenv("PWTEST_DIR", t->dir, 1);
		execv("/proc/self/exe", argv);
		die("re-exec under pam_wrapper");
	}
	snprintf(t->dir, sizeof(t->dir), "%s", dir);
	th_path(t, t->sock, sizeof(t->sock), "sock");
	th_path(t, t->conf, sizeof(t->conf), "pwadmind.conf");
	th_path(t, t->log, sizeof(t->log), "daemon.log");
	t->daemon = -1;
	t->daemon_status = -1;
	if (getenv("PWTEST_PG") != NULL && getenv("PWTEST_PG")[0] != '\0')
		snprintf(t->pg, sizeof(t->pg), "%s", getenv("PWTEST_PG"));
	collect_setup(t);
	/* a client that refuses before reading its input closes the pipe
	 * th_client writes to: that must be an EPIPE, not the test's death */
	signal(SIGPIPE, SIG_IGN);
	/* one case, or a few: PWTEST_FILTER=test_lock_after_n (a pattern) */
	if (getenv("PWTEST_FILTER") != NULL)
		cmocka_set_test_filter(getenv("PWTEST_FILTER"));
}

static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

bool
th_one_line(const char *s)
{
	const char *nl = strchr(s, '\n');

	return s[0] != '\0' && nl != NULL && nl[1] == '\0';
}

bool
th_exited(const struct th *t, int rc, int want)
{
	bool ok = rc == want && (want != 1 || th_one_line(t->err));

	if (!ok)
		fprintf(stderr, "expected exit %d%s, got exit %d\nstdout: %s\n"
		    "stderr: %s\n", want, want == 1 ? " and one line" : "", rc,
		    t->out, t->err);
	return ok;
}

/*
 * Stops every PostgreSQL cluster a test left running in its temp dir (a
 * second cluster of a test that failed before stopping it): a directory
 * there with data/postmaster.pid.
 */
static void
stop_clusters(const struct th *t)
{
	char path[2 * PATH_MAX];
	struct dirent *e;
	DIR *d;

	if ((d = opendir(t->dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/data/postmaster.pid", t->dir,
		    e->d_name);
		if (access(path, F_OK) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", t->dir, e->d_name);
		(void)th_pg_sh(t, path, "stop", NULL, NULL);
	}
	closedir(d);
}

void
th_cleanup(struct th *t)
{
	int i;

	if (t->daemon > 0)
		th_daemon_kill(t);
	for (i = 1; i < TH_HOSTS; i++)
		if (t->host[i] > 0)
			(void)th_host_kill(t, i, SIGKILL);
	collect_daemon_log(t);
	if (t->pg_own) {
		/* the test may have set t->pg aside (an LMDB daemon) */
		memcpy(t->pg, t->pg_started, sizeof(t->pg));
		(void)th_pg(t, "stop");
	}
	stop_clusters(t);
	if (getenv("PWTEST_KEEP") == NULL)
		nftw(t->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

