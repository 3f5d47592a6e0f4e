/* SPDX-License-Identifier: MIT */
/* pwadmind: flags, config, socket, privilege drop, store, serve. */
#include <sys/file.h>
#include <sys/poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "conf.h"
#include "lockout.h"
#include "log.h"
#include "pwerr.h"
#include "server.h"
#include "store.h"
#include "verify.h"

struct opts {
	const char *config;
	const char *state_dir;
	const char *socket;
	const char *pid_file;
	bool foreground;
	bool debug;
	bool check_only;
	bool init_db;
	const char *copy_from;
};

static __attribute__((noreturn)) void
usage(int code)
{
	fprintf(code == 0 ? stdout : stderr,
	    "usage: pwadmind [-c CONFIG] [-f|--foreground] [-d|--debug] [-n]\n"
	    "                [-p|--pid-file PATH] [--state-dir DIR] [--socket PATH]\n"
	    "       pwadmind [-c CONFIG] --init-db | --copy-from STATE_DIR\n");
	exit(code);
}

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "check", no_argument, NULL, 'n' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "init-db", no_argument, NULL, 'I' },
		{ "copy-from", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt_long(argc, argv, "c:fdnp:h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'f': o->foreground = true; break;
		case 'd': o->debug = true; break;
		case 'n': o->check_only = true; break;
		case 'p': o->pid_file = optarg; break;
		case 'S': o->state_dir = optarg; break;
		case 's': o->socket = optarg; break;
		case 'I': o->init_db = true; break;
		case 'C': o->copy_from = optarg; break;
		case 'h': usage(0);
		default: usage(2);
		}
	}
	if (optind != argc || (o->init_db && o->copy_from != NULL))
		usage(2);
	if (o->pid_file != NULL && o->pid_file[0] != '/') {
		fprintf(stderr, "pwadmind: --pid-file must be an absolute path\n");
		exit(2);
	}
}

/* Config file, then flags over it.  Errors name file, line and reason. */
static void
load_config(const struct opts *o, struct pwd_conf *c)
{
	const char *path = o->config != NULL ? o->config : PWD_CONF_DEFAULT;
	char err[512];

	conf_defaults(c);
	if (o->config != NULL || access(path, F_OK) == 0) {
		if (conf_load(c, path, err, sizeof(err)) != PW_OK) {
			fprintf(stderr, "pwadmind: %s\n", err);
			exit(1);
		}
	}
	if ((o->state_dir != NULL && conf_set(c, "state_dir", o->state_dir,
	    err, sizeof(err)) != PW_OK) || (o->socket != NULL &&
	    conf_set(c, "socket", o->socket, err, sizeof(err)) != PW_OK)) {
		fprintf(stderr, "pwadmind: %s\n", err);
		exit(2);
	}
	if (c->hash_workers == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		c->hash_workers = n < 1 ? 1 : n > 256 ? 256 : (uint32_t)n;
	}
}

/*
 * The user to drop to: started as root with `user' naming another
 * account.  NULL when nothing is dropped.
 */
static const struct passwd *
drop_target(const struct pwd_conf *c)
{
	static struct passwd copy;
	struct passwd *pw;

	if (geteuid() != 0 || c->user[0] == '\0' || strcmp(c->user, "root") == 0)
		return NULL;
	if ((pw = getpwnam(c->user)) == NULL)
		fatalx("user %s does not exist (create it, e.g. with "
		    "systemd-sysusers, or set user = root in the config)", c->user);
	if (pw->pw_uid == 0)
		return NULL;
	copy.pw_uid = pw->pw_uid;
	copy.pw_gid = pw->pw_gid;
	return &copy;
}

/*
 * A directory the daemon needs: made with `mode' when missing and, for the
 * store's, given to the user the daemon drops to (`to').  An existing
 * directory is left as it is (the store checks its own).
 */
static void
make_dir(const char *path, mode_t mode, const struct passwd *to)
{
	int fd;

	if (mkdir(path, mode) != 0) {
		if (errno == EEXIST)
			return;
		fatal("cannot create %s", path);
	}
	/* the umask (077) took bits away: set the mode meant, on the
	 * directory just made, not on whatever the path names later */
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fchmod(fd, mode) != 0 ||
	    (to != NULL && fchown(fd, to->pw_uid, to->pw_gid) != 0))
		fatal("cannot set the owner and mode of %s", path);
	close(fd);
}

/*
 * The directory of the socket and pid file must be root's when the daemon
 * drops privileges.  One that belongs to the user it drops to (as an
 * earlier release, or a systemd RuntimeDirectory=, left it) is taken back:
 * that user could otherwise swap the pid file root's scripts read.
 */
static void
reclaim_dir(const char *path, const struct passwd *to)
{
	struct stat st;
	int fd;

	if (to == NULL)
		return;
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) != 0)
		fatal("%s", path);
	if (st.st_uid == to->pw_uid) {
		if (fchown(fd, 0, 0) != 0 || fchmod(fd, 0755) != 0)
			fatal("%s: cannot make it root's", path);
		log_notice("%s belonged to uid %u: now root's, mode 0755", path,
		    (unsigned)to->pw_uid);
	}
	close(fd);
}

/* The socket's directory, from its path (which is absolute). */
static void
dir_of(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash == NULL || slash == path ? 1 : (size_t)(slash - path);

	if (n >= size)
		fatalx("%s: path too long", path);
	memcpy(dir, slash == NULL ? "/" : path, n);
	dir[n] = '\0';
}

/*
 * Drop to `to' for good (groups, gid, uid) and check that root cannot be
 * regained.  The socket, its directory and the pid file stay root's: the
 * daemon's user can neither replace nor rewrite them (the module trusts a
 * root-owned socket), at the price of leaving them behind when it stops.
 */
static void
drop_privileges(const struct passwd *to, const char *user)
{
	if (to == NULL)
		return;
	if (setgroups(1, &to->pw_gid) != 0 ||
	    setresgid(to->pw_gid, to->pw_gid, to->pw_gid) != 0 ||
	    setresuid(to->pw_uid, to->pw_uid, to->pw_uid) != 0)
		fatal("cannot drop privileges to %s", user);
	if (setuid(0) == 0 || seteuid(0) == 0)
		fatalx("could regain root after dropping privileges");
	/* setresuid resets dumpable to fs.suid_dumpable: set it again */
	prctl(PR_SET_DUMPABLE, 0);
	log_info("running as %s (uid %u)", user, (unsigned)to->pw_uid);
}

/*
 * Started with fds 0-2 closed, the syslog socket or the listening socket
 * would land on them and be overwritten by detach(): fill them first.
 */
static void
sane_stdio(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/* Written to by the detached daemon once it serves (see detach()). */
static int ready_fd = -1;
/* How long the started process waits for a detaching daemon. */
#define PWD_START_WAIT_S 60

/*
 * Without -f: a classic double fork.  The process that was started waits
 * until the daemon says it is ready and exits 0 then, or 1 if the daemon
 * died first; until then the daemon keeps its stderr, so whoever started
 * it (a shell, an init script) sees why it failed.  Before any thread.
 */
static void
detach(void)
{
	int p[2], fd;
	ssize_t n;
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) != 0)
		fatal("pipe");
	if ((pid = fork()) < 0)
		fatal("fork");
	if (pid > 0) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };

		close(p[1]);
		if (poll(&pfd, 1, PWD_START_WAIT_S * 1000) == 0) {
			fprintf(stderr, "pwadmind: not ready after %d s; it may "
			    "still start: see the log\n", PWD_START_WAIT_S);
			_exit(1);
		}
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		_exit(n == 1 ? 0 : 1);
	}
	close(p[0]);
	if (setsid() < 0)
		fatal("setsid");
	if ((pid = fork()) < 0)
		fatal("fork");
	if (pid > 0)
		_exit(0);
	if (chdir("/") != 0)
		fatal("chdir /");
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		if (fd > 2)
			close(fd);
	}
	ready_fd = p[1];
}

/* Serving: tell systemd, or the process that started a detached daemon. */
static void
announce_ready(void)
{
	int fd;

	sd_notify(0, "READY=1");
	if (ready_fd < 0)
		return;
	log_echo_stderr(false);
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	if (write(ready_fd, "", 1) != 1)
		log_warn("cannot tell the starting process that the daemon is ready");
	close(ready_fd);
	ready_fd = -1;
}

/*
 * The pid file of a detached daemon (or of -p), root's, in a directory of
 * root's.  It is opened and locked as root before the socket is made, so
 * that a second daemon stops before it touches anything, and emptied at
 * once, so that until this daemon's pid is in it, it names no process
 * (`pkill -F FILE -L' refuses an empty file).  The lock goes with the open
 * file to the detached child, which keeps it open read-only for its life;
 * the pid goes in through a second descriptor closed before the privilege
 * drop, so the daemon's user can never rewrite it.  Refuses a link, and a
 * file that is not root's own.
 */
struct pid_file {
	int lock_fd, write_fd;
	bool created;	/* by this start: a failed start removes it */
};

static void
lock_pid_file(const char *path, struct pid_file *pf)
{
	struct stat st, now;
	char buf[32];
	ssize_t len;
	int fd, tries;

	for (tries = 0;; tries++) {
		pf->created = true;
		fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
		if (fd < 0 && errno == EEXIST) {
			pf->created = false;
			fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0)
			fatal("pid file %s", path);
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
		    st.st_nlink != 1 || st.st_uid != geteuid() ||
		    fchmod(fd, 0644) != 0)
			fatalx("pid file %s: must be a regular file owned by uid "
			    "%u with one link", path, (unsigned)geteuid());
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			len = pread(fd, buf, sizeof(buf) - 1, 0);
			buf[len > 0 ? len : 0] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			fatalx("pid file %s: another pwadmind runs (pid %s)", path,
			    buf[0] != '\0' ? buf : "?");
		}
		/* still the file the path names: a start that failed may have
		 * removed it between our open and our lock */
		if (lstat(path, &now) == 0 && now.st_dev == st.st_dev &&
		    now.st_ino == st.st_ino)
			break;
		close(fd);
		if (tries == 3)
			fatalx("pid file %s: replaced while being locked", path);
	}
	pf->lock_fd = fd;
	pf->write_fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (pf->write_fd < 0 || fstat(pf->write_fd, &now) != 0 ||
	    now.st_dev != st.st_dev || now.st_ino != st.st_ino ||
	    ftruncate(pf->write_fd, 0) != 0)
		fatal("pid file %s", path);
}

static void
write_pid_file(struct pid_file *pf, const char *path)
{
	char buf[32];
	int len;

	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (pwrite(pf->write_fd, buf, (size_t)len, 0) != len ||
	    fsync(pf->write_fd) != 0)
		fatal("pid file %s", path);
	close(pf->write_fd);
	pf->write_fd = -1;
}

/*
 * Descriptors the starting process left open (a redirection, a pipe)
 * must not reach the daemon, least of all once it runs as another user.
 * systemd's sockets (LISTEN_FDS, for this process) are kept.
 */
static void
close_inherited(void)
{
	const char *lp = getenv("LISTEN_PID"), *lf = getenv("LISTEN_FDS");
	struct rlimit rl;
	unsigned first = 3, fd, max;
	char *end;
	long n;

	if (lp != NULL && lf != NULL && strtol(lp, NULL, 10) == (long)getpid()) {
		errno = 0;
		n = strtol(lf, &end, 10);
		/* what sd_listen_fds() will accept, or it refuses (and so
		 * does open_socket()) */
		if (errno == 0 && end != lf && *end == '\0' && n > 0 && n < 64)
			first = SD_LISTEN_FDS_START + (unsigned)n;
	}
	if (close_range(first, ~0U, 0) == 0)
		return;
	/* kernels before 5.9, or a filter that refuses it: one by one */
	max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ?
	    (unsigned)rl.rlim_cur : 65536;
	for (fd = first; fd < max; fd++)
		(void)close((int)fd);
}

/* Files a start that fails before serving removes (see cleanup_start). */
static char made_socket[PATH_MAX], made_pid_file[PATH_MAX];

/* On a fatal error: remove the socket and pid file this start made. */
static void
cleanup_start(void)
{
	if (made_socket[0] != '\0')
		unlink(made_socket);
	if (made_pid_file[0] != '\0')
		unlink(made_pid_file);
}

/* The listening socket: systemd's (socket activation) or our own. */
static int
open_socket(const struct pwd_conf *c, bool *own, const struct passwd *to)
{
	char err[256], dir[PATH_MAX];
	int n = sd_listen_fds(1), fd;

	*own = false;
	if (n < 0)
		fatalx("the socket passed by systemd (LISTEN_FDS, LISTEN_PID) "
		    "is malformed: %s", strerror(-n));
	if (n > 1)
		fatalx("expected one socket from systemd, got %d", n);
	if (n == 1) {
		if (sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, NULL, 0) <= 0)
			fatalx("the socket from systemd is not a listening Unix stream socket");
		return SD_LISTEN_FDS_START;
	}
	/* its directory (/run/pwadmin) may be missing after a reboot: root's */
	dir_of(c->socket, dir, sizeof(dir));
	make_dir(dir, 0755, NULL);
	reclaim_dir(dir, to);
	if (server_listen(c->socket, &fd, err, sizeof(err)) != PW_OK)
		fatalx("%s", err);
	snprintf(made_socket, sizeof(made_socket), "%s", c->socket);
	*own = true;
	return fd;
}

/*
 * The key of the OTP secrets (SPEC: secret.key in the state directory).
 * While the store holds no token the key may be made (or replaced: it
 * seals nothing yet), and the store records which key it is.  Once a
 * token exists, a missing key file, or another key, stops the daemon:
 * sealed secrets are never silently orphaned by a new key.  On a store
 * shared by several hosts, every host must hold the key the first one
 * recorded, tokens or not.
 */
static void
otp_key_setup(struct store *st, const char *dir)
{
	uint8_t mine[PWD_CHAIN_BYTES], stored[PWD_CHAIN_BYTES];
	size_t len = sizeof(stored), tokens = 0;
	char path[PATH_MAX], err[PATH_MAX + 256];
	bool known, same;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/secret.key", dir) >=
	    sizeof(path))
		fatalx("%s: state directory path too long", dir);
	r = store_meta_get(st, "otp_key_check", stored, &len);
	if (r != PW_OK && r != PW_ERR_NOUSER)
		fatalx("store: %s", pw_strerror(r));
	known = r == PW_OK && len == sizeof(stored);
	if (store_otp_count(st, &tokens) != PW_OK)
		fatalx("store: cannot count one-time password tokens");
	if (verify_otp_key(path, tokens == 0, err, sizeof(err)) != PW_OK)
		fatalx("%s", err);
	verify_otp_key_check(mine);
	same = known && verify_chain_equal(mine, stored);
	if (tokens > 0 && !same)
		fatalx("%s: not the key the store's one-time password secrets "
		    "were sealed with; restore the right one", path);
	/* hosts sharing a store share the key: the first one recorded is
	 * kept, claimed in one transaction so that two first hosts at once
	 * cannot both record theirs */
	if (store_shared(st)) {
		len = sizeof(stored);
		if (store_meta_claim(st, "otp_key_check", mine, sizeof(mine),
		    stored, &len) != PW_OK)
			fatalx("store: cannot record which key seals OTP "
			    "secrets");
		if (len != sizeof(stored) || !verify_chain_equal(mine, stored))
			fatalx("%s: not the key of the other hosts on this "
			    "database; copy their secret.key here", path);
		return;
	}
	if (!same && store_meta_put(st, "otp_key_check", mine,
	    sizeof(mine)) != PW_OK)
		fatalx("store: cannot record which key seals OTP secrets");
}

int
main(int argc, char **argv)
{
	struct rlimit nocore = { 0, 0 };
	const struct passwd *to;
	struct pwd_conf conf;
	struct store *st = NULL;
	struct opts o;
	sigset_t set;
	char err[512], pid_file[PATH_MAX];
	bool own_socket;
	struct pid_file pf = { -1, -1, false };
	int lfd;

	sane_stdio();
	close_inherited();
	parse_opts(argc, argv, &o);
	load_config(&o, &conf);
	if (o.check_only) {
		printf("configuration OK\n");
		return 0;
	}
	log_init(o.foreground, o.debug);
	log_set_window(conf.log_window);
	log_at_fatal(cleanup_start);
	if (!o.foreground)	/* until ready: see detach() */
		log_echo_stderr(true);
	umask(077);
	prctl(PR_SET_DUMPABLE, 0);
	setrlimit(RLIMIT_CORE, &nocore);
	/* one-shot jobs, after the hardening above: no core, no dump */
	if (o.init_db) {
		int r = store_init_db(&conf, err, sizeof(err));

		fprintf(r == PW_OK ? stdout : stderr, "pwadmind: %s\n", err);
		return r == PW_OK ? 0 : 1;
	}
	if (o.copy_from != NULL) {
		int r = store_copy_from(&conf, o.copy_from, err, sizeof(err));

		fprintf(r == PW_OK ? stdout : stderr, "pwadmind: %s\n", err);
		return r == PW_OK ? 0 : 1;
	}
	signal(SIGPIPE, SIG_IGN);
	to = drop_target(&conf);
	pid_file[0] = '\0';
	if (o.pid_file != NULL)
		snprintf(pid_file, sizeof(pid_file), "%s", o.pid_file);
	else if (!o.foreground) {
		/* next to the socket: /run/pwadmin/pwadmind.pid */
		dir_of(conf.socket, pid_file, sizeof(pid_file) - 13);
		make_dir(pid_file, 0755, NULL);
		reclaim_dir(pid_file, to);
		strcat(pid_file, "/pwadmind.pid");
	}
	if (pid_file[0] != '\0') {
		lock_pid_file(pid_file, &pf);
		if (pf.created)
			snprintf(made_pid_file, sizeof(made_pid_file), "%s",
			    pid_file);
	}
	lfd = open_socket(&conf, &own_socket, to);
	/* the store's directory: made as root for the daemon's user */
	make_dir(conf.state_dir, 0700, to);
	if (!o.foreground)
		detach();
	if (pf.write_fd >= 0)
		write_pid_file(&pf, pid_file);
	drop_privileges(to, conf.user);
	/* Signals are taken through a signalfd by the accept loop only. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (store_open_conf(&st, &conf, err, sizeof(err)) != PW_OK)
		fatalx("%s", err);
	lockout_set_hold(conf.slot_hold);
	if (verify_init(conf.argon2_ops, conf.argon2_mem_kib,
	    conf.hash_workers) != PW_OK)
		fatalx("cannot initialise hashing (libsodium, argon2 parameters)");
	otp_key_setup(st, conf.state_dir);
	lockout_init();
	log_info("ready: socket %s, store %s, %u hash workers", conf.socket,
	    strcmp(conf.store, "postgresql") == 0 ? "postgresql" :
	    conf.state_dir, conf.hash_workers);
	announce_ready();
	log_at_fatal(NULL);	/* serving: a later exit leaves them to main */
	if (server_run(lfd, &conf, st) != 0) {
		/* threads may still use the store: leave it to the kernel;
		 * every committed write is already on disk */
		log_warnx("exiting with requests still in progress");
		cleanup_start();
		_exit(0);
	}
	sd_notify(0, "STOPPING=1");
	lockout_flush(st);
	store_close(st);
	/* fails (and they stay, dead and unlocked) once root was dropped:
	 * the next start replaces them */
	cleanup_start();
	return 0;
}
