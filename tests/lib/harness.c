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

static void
die(const char *what)
{
	fprintf(stderr, "harness: %s: %s\n", what, strerror(errno));
	exit(99);
}

static void
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
static void
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
static void
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
static void
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
static void
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
static void
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
	char asan[PATH_MAX] = "", pre[3 * PATH_MAX], path[PATH_MAX];
	const char *dir = getenv("PWTEST_DIR");

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
		snprintf(pre, sizeof(pre), "%s%s%s %s", asan, asan[0] ? " " : "",
		    PAM_WRAPPER_LIB, NSS_WRAPPER_LIB);
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

void
th_cleanup(struct th *t)
{
	if (t->daemon > 0)
		th_daemon_kill(t);
	collect_daemon_log(t);
	if (getenv("PWTEST_KEEP") == NULL)
		nftw(t->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * The daemon answers a request.  A connect alone is not enough: the
 * socket listens before the store is open, and a test that then fills a
 * disk or kills the daemon would race its start-up.
 */
static bool
accepts(const char *path)
{
	struct pw_request req = { .type = PW_REQ_STATS };
	struct pw_reply *rep = calloc(1, sizeof(*rep));
	struct conn_trust trust = { { 0 }, 0 };
	bool ok;

	if (rep == NULL)
		return false;
	conn_trust_add(&trust, 0);
	conn_trust_add(&trust, geteuid());
	ok = conn_call(path, &trust, 2000, &req, rep) == PW_OK;
	free(rep);
	return ok;
}

static void
print_log(const struct th *t)
{
	char buf[4096];
	FILE *f = fopen(t->log, "r");

	if (f == NULL)
		return;
	fprintf(stderr, "---- daemon log ----\n");
	while (fgets(buf, sizeof(buf), f) != NULL)
		fputs(buf, stderr);
	fclose(f);
}

/* Appends `key = value' unless the test's extra lines set that key. */
static void
conf_line(char *conf, size_t sz, const char *extra, const char *key,
    const char *value)
{
	size_t n = strlen(key), len = strlen(conf);
	const char *p;

	for (p = extra; p != NULL && *p != '\0'; p = strchr(p, '\n'),
	    p = p != NULL ? p + 1 : NULL)
		if (strncmp(p, key, n) == 0 && (p[n] == ' ' || p[n] == '='))
			return;
	snprintf(conf + len, sz - len, "%s = %s\n", key, value);
}

#define TH_FAKETIME_LIB "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

/* The daemon's clock: libfaketime preloaded after the other libraries. */
static void
shift_clock(const char *faketime_lib, const char *offset)
{
	char pre[4 * PATH_MAX];
	const char *cur = getenv("LD_PRELOAD");

	snprintf(pre, sizeof(pre), "%s%s%s", cur != NULL ? cur : "",
	    cur != NULL && cur[0] != '\0' ? " " : "", faketime_lib);
	setenv("LD_PRELOAD", pre, 1);
	setenv("FAKETIME", offset, 1);
	/* deadlines and timeouts keep real time */
	setenv("DONT_FAKE_MONOTONIC", "1", 1);
	/* the offset comes from FAKETIME alone, never from a file */
	unsetenv("FAKETIME_TIMESTAMP_FILE");
}

static int daemon_start(struct th *t, const char *extra, bool keep_state,
    const char *faketime_lib, const char *offset);

int
th_daemon_start(struct th *t, const char *extra, bool keep_state)
{
	return daemon_start(t, extra, keep_state, NULL, NULL);
}

int
th_daemon_start_shifted(struct th *t, const char *extra, bool keep_state,
    const char *offset)
{
	const char *lib = getenv("PWTEST_FAKETIME_LIB");

	if (offset == NULL)
		return daemon_start(t, extra, keep_state, NULL, NULL);
	if (lib == NULL)
		lib = TH_FAKETIME_LIB;
	if (access(lib, R_OK) != 0) {
		fprintf(stderr, "harness: %s: %s (install the Debian package "
		    "faketime: tests/deps.sh)\n", lib, strerror(errno));
		return -1;
	}
	return daemon_start(t, extra, keep_state, lib, offset);
}

static int
daemon_start(struct th *t, const char *extra, bool keep_state,
    const char *faketime_lib, const char *offset)
{
	char conf[4096] = "# written by the test harness\n", exe[PATH_MAX];
	struct passwd *me = getpwuid(geteuid());
	int i, fd, st;

	collect_daemon_log(t); /* the previous daemons' lines, if not yet */
	t->daemon_status = -1;
	if (!keep_state) {
		t->ndaemons++;
		snprintf(t->state, sizeof(t->state), "%s/state%d", t->dir,
		    t->ndaemons);
	}
	conf_line(conf, sizeof(conf), extra, "socket", t->sock);
	conf_line(conf, sizeof(conf), extra, "state_dir", t->state);
	conf_line(conf, sizeof(conf), extra, "user",
	    me != NULL ? me->pw_name : "root");
	/* cheapest hashing: tests count hashes, they do not time them */
	conf_line(conf, sizeof(conf), extra, "argon2_ops", "1");
	conf_line(conf, sizeof(conf), extra, "argon2_mem_kib", "64");
	snprintf(conf + strlen(conf), sizeof(conf) - strlen(conf), "%s\n",
	    extra != NULL ? extra : "");
	write_file(t->conf, conf, 0644);
	snprintf(exe, sizeof(exe), "%s/pwadmind", t->build);
	if ((t->daemon = fork()) < 0)
		die("fork");
	if (t->daemon == 0) {
		child_env(t);
		if (faketime_lib != NULL)
			shift_clock(faketime_lib, offset);
		if ((fd = open(t->log, O_WRONLY | O_CREAT | O_APPEND, 0644)) < 0)
			_exit(98);
		dup2(fd, 2);
		if ((fd = open("/dev/null", O_RDWR)) >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
		}
		execl(exe, "pwadmind", "-f", "-d", "-c", t->conf, (char *)NULL);
		_exit(97);
	}
	for (i = 0; i < 1000; i++) {
		if (accepts(t->sock))
			return 0;
		if (waitpid(t->daemon, &st, WNOHANG) == t->daemon) {
			t->daemon = -1;
			t->daemon_status = st;
			collect_daemon_log(t);
			print_log(t);
			return -1;
		}
		usleep(10000);
	}
	collect_daemon_log(t);
	print_log(t);
	return -1;
}

int
th_daemon_stop(struct th *t)
{
	int st;

	if (t->daemon <= 0)
		return -1;
	kill(t->daemon, SIGTERM);
	if (waitpid(t->daemon, &st, 0) != t->daemon)
		return -1;
	t->daemon = -1;
	collect_daemon_log(t);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (WIFSIGNALED(st))
			fprintf(stderr, "harness: pwadmind killed by signal %d\n",
			    WTERMSIG(st));
		else
			fprintf(stderr, "harness: pwadmind exited %d\n",
			    WEXITSTATUS(st));
		print_log(t);
		return -1;
	}
	return 0;
}

int
th_daemon_kill(struct th *t)
{
	int st;

	if (t->daemon <= 0)
		return -1;
	kill(t->daemon, SIGKILL);
	waitpid(t->daemon, &st, 0);
	t->daemon = -1;
	collect_daemon_log(t);
	return WIFSIGNALED(st) ? 0 : -1;
}

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

struct convdata {
	const char *password;
	char *errmsg;
	size_t errsz;
};

/* Answers every hidden prompt with the password; records error messages. */
static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *arg)
{
	struct convdata *c = arg;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	size_t len;
	int i;

	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			r[i].resp = strdup(c->password != NULL ? c->password : "");
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			if (c->errmsg == NULL)
				break;
			len = strlen(c->errmsg);
			snprintf(c->errmsg + len, c->errsz - len, "%s%s",
			    len > 0 ? "\n" : "", msg[i]->msg);
			break;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

int
th_pam(const char *service, const char *user, const char *password,
    const int *ops, const int *expected, int n, char *errmsg, size_t errsz)
{
	struct pam_testcase tc[8];
	struct convdata c = { password, errmsg, errsz };
	const struct pam_testcase *failed;
	enum pamtest_err perr;
	int i;

	if (errmsg != NULL && errsz > 0)
		errmsg[0] = '\0';
	th_note_secret(password);
	for (i = 0; i < n && i < 8; i++) {
		memset(&tc[i], 0, sizeof(tc[i]));
		tc[i].pam_operation = (enum pamtest_ops)ops[i];
		tc[i].expected_rv = expected[i];
	}
	perr = _pamtest_conv(service, user, conv, &c, tc, (size_t)n, NULL);
	if (perr == PAMTEST_ERR_OK)
		return n;
	failed = _pamtest_failed_case(tc, (size_t)n);
	if (failed == NULL)
		return -1;
	fprintf(stderr, "pam %s/%s: op %d returned %d (%s), expected %d\n",
	    service, user, (int)(failed - tc), failed->op_rv,
	    pam_strerror(NULL, failed->op_rv), failed->expected_rv);
	return (int)(failed - tc);
}

int
th_pam_auth(const char *service, const char *user, const char *password,
    char *errmsg, size_t errsz)
{
	struct pam_testcase tc[1];
	struct convdata c = { password, errmsg, errsz };

	if (errmsg != NULL && errsz > 0)
		errmsg[0] = '\0';
	th_note_secret(password);
	memset(tc, 0, sizeof(tc));
	tc[0].pam_operation = PAMTEST_AUTHENTICATE;
	tc[0].expected_rv = PAM_SUCCESS;
	(void)_pamtest_conv(service, user, conv, &c, tc, 1, NULL);
	return tc[0].op_rv;
}


/* The application's failure delay: none (libpam calls it, not sleep). */
static void
no_delay(int retval, unsigned usec_delay, void *appdata)
{
	(void)retval;
	(void)usec_delay;
	(void)appdata;
}

int
th_pam_auth_nodelay(const char *service, const char *user,
    const char *password, char *errmsg, size_t errsz)
{
	struct convdata c = { password, errmsg, errsz };
	struct pam_conv pc = { conv, &c };
	void (*delay)(int, unsigned, void *) = no_delay;
	pam_handle_t *pamh = NULL;
	void *item;
	int rc;

	/* the item is the function pointer itself, passed as a void * */
	_Static_assert(sizeof(item) == sizeof(delay), "function pointer size");
	memcpy(&item, &delay, sizeof(item));
	if (errmsg != NULL && errsz > 0)
		errmsg[0] = '\0';
	th_note_secret(password);
	if ((rc = pam_start(service, user, &pc, &pamh)) != PAM_SUCCESS)
		return rc;
	if ((rc = pam_set_item(pamh, PAM_FAIL_DELAY, item)) == PAM_SUCCESS)
		rc = pam_authenticate(pamh, 0);
	(void)pam_end(pamh, rc);
	return rc;
}

/* Appends line to buf (size sz), newline-separated. */
static void
add_line(char *buf, size_t sz, const char *style, const char *line)
{
	size_t len = strlen(buf);

	snprintf(buf + len, sz - len, "%s%s%s", len > 0 ? "\n" : "", style,
	    line != NULL ? line : "(null)");
}

/* Answers prompts from the script in order; records what was shown. */
static int
script_conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *arg)
{
	struct th_script *s = arg;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	const char *answer;
	int i;

	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			/* a visible prompt is marked: the module has none */
			add_line(s->prompts, sizeof(s->prompts),
			    msg[i]->msg_style == PAM_PROMPT_ECHO_ON ?
			    "(echo on) " : "", msg[i]->msg);
			answer = s->answers != NULL ? s->answers[s->used] : NULL;
			if (answer == NULL) {
				s->ran_out = true;
				while (i-- > 0)
					free(r[i].resp);
				free(r);
				return PAM_CONV_ERR;
			}
			s->used++;
			if ((r[i].resp = strdup(answer)) == NULL) {
				while (i-- > 0)
					free(r[i].resp);
				free(r);
				return PAM_BUF_ERR;
			}
			break;
		case PAM_ERROR_MSG:
			add_line(s->errors, sizeof(s->errors), "", msg[i]->msg);
			break;
		case PAM_TEXT_INFO:
			add_line(s->infos, sizeof(s->infos), "", msg[i]->msg);
			break;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static const char *
op_name(int op)
{
	static const char *const names[] = { "authenticate", "setcred",
		"acct_mgmt", "open_session", "close_session", "chauthtok" };

	return op >= 0 && op <= PAMTEST_CHAUTHTOK ? names[op] : "other";
}

int
th_pam_script(const char *service, const char *user, struct th_script *s,
    struct pam_testcase *tc, size_t n)
{
	struct pam_conv pc = { script_conv, s };
	void (*delay)(int, unsigned, void *) = no_delay;
	const struct pam_testcase *failed;
	pam_handle_t *pamh = NULL;
	enum pamtest_err perr;
	void *item;
	size_t i;
	int rc;

	s->used = 0;
	s->ran_out = false;
	s->prompts[0] = s->errors[0] = s->infos[0] = '\0';
	for (i = 0; s->answers != NULL && s->answers[i] != NULL; i++)
		th_note_secret(s->answers[i]);
	for (i = 0; i < n; i++)
		tc[i].op_rv = -1;
	if ((rc = pam_start(service, user, &pc, &pamh)) != PAM_SUCCESS) {
		fprintf(stderr, "pam %s/%s: pam_start: %s\n", service, user,
		    pam_strerror(NULL, rc));
		return 0;
	}
	memcpy(&item, &delay, sizeof(item));
	if ((rc = pam_set_item(pamh, PAM_FAIL_DELAY, item)) != PAM_SUCCESS) {
		(void)pam_end(pamh, rc);
		return 0;
	}
	/* libpamtest runs the cases on our handle, then ends it */
	perr = _pamtest_conv(service, user, script_conv, s, tc, n, pamh);
	if (perr == PAMTEST_ERR_OK)
		return (int)n;
	if ((failed = _pamtest_failed_case(tc, n)) == NULL) {
		fprintf(stderr, "pam %s/%s: %s\n", service, user,
		    pamtest_strerror(perr));
		return 0;
	}
	fprintf(stderr, "pam %s/%s: case %d (%s) returned %d (%s), expected "
	    "%d (%s)%s\n  prompts: %s\n  errors: %s\n  infos: %s\n", service,
	    user, (int)(failed - tc), op_name((int)failed->pam_operation),
	    failed->op_rv, pam_strerror(NULL, failed->op_rv),
	    failed->expected_rv, pam_strerror(NULL, failed->expected_rv),
	    s->ran_out ? " (the script ran out of answers)" : "", s->prompts,
	    s->errors, s->infos);
	return (int)(failed - tc);
}
