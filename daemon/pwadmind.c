/* SPDX-License-Identifier: MIT */
/* pwadmind: flags, config, socket, privilege drop, store, serve. */
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
	bool foreground;
	bool debug;
	bool check_only;
};

static __attribute__((noreturn)) void
usage(int code)
{
	fprintf(code == 0 ? stdout : stderr,
	    "usage: pwadmind [-c CONFIG] [-f|--foreground] [-d|--debug] [-n]\n"
	    "                [--state-dir DIR] [--socket PATH]\n");
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
		{ "state-dir", required_argument, NULL, 'S' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	while ((ch = getopt_long(argc, argv, "c:fdnh", lopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'f': o->foreground = true; break;
		case 'd': o->debug = true; break;
		case 'n': o->check_only = true; break;
		case 'S': o->state_dir = optarg; break;
		case 's': o->socket = optarg; break;
		case 'h': usage(0);
		default: usage(2);
		}
	}
	if (optind != argc)
		usage(2);
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
 * Started as root with `user' naming another account: drop to it for
 * good (groups, gid, uid) and check that root cannot be regained.
 */
static void
drop_privileges(const struct pwd_conf *c, const char *socket_path)
{
	struct passwd *pw;

	if (geteuid() != 0 || c->user[0] == '\0' || strcmp(c->user, "root") == 0)
		return;
	if ((pw = getpwnam(c->user)) == NULL)
		fatalx("user %s does not exist (create it, or set user = root "
		    "in the config)", c->user);
	if (pw->pw_uid == 0)
		return;
	if (socket_path != NULL && lchown(socket_path, pw->pw_uid, pw->pw_gid) != 0)
		fatal("chown %s", socket_path);
	if (setgroups(1, &pw->pw_gid) != 0 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0)
		fatal("cannot drop privileges to %s", c->user);
	if (setuid(0) == 0 || seteuid(0) == 0)
		fatalx("could regain root after dropping privileges");
	/* setresuid resets dumpable to fs.suid_dumpable: set it again */
	prctl(PR_SET_DUMPABLE, 0);
	log_info("running as %s (uid %u)", c->user, (unsigned)pw->pw_uid);
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

/* Without -f: detach from the terminal (before any thread exists). */
static void
detach(void)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) < 0)
		fatal("fork");
	if (pid > 0)
		_exit(0);
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
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

/* The listening socket: systemd's (socket activation) or our own. */
static int
open_socket(const struct pwd_conf *c, bool *own)
{
	char err[256];
	int n = sd_listen_fds(1), fd;

	*own = false;
	if (n > 1)
		fatalx("expected one socket from systemd, got %d", n);
	if (n == 1) {
		if (sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, NULL, 0) <= 0)
			fatalx("the socket from systemd is not a listening Unix stream socket");
		return SD_LISTEN_FDS_START;
	}
	if (server_listen(c->socket, &fd, err, sizeof(err)) != PW_OK)
		fatalx("%s", err);
	*own = true;
	return fd;
}

/*
 * The key of the OTP secrets (SPEC: secret.key in the state directory).
 * While the store holds no token the key may be made (or replaced: it
 * seals nothing yet), and the store records which key it is.  Once a
 * token exists, a missing key file, or another key, stops the daemon:
 * sealed secrets are never silently orphaned by a new key.
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
	if (!same && store_meta_put(st, "otp_key_check", mine,
	    sizeof(mine)) != PW_OK)
		fatalx("store: cannot record which key seals OTP secrets");
}

int
main(int argc, char **argv)
{
	struct rlimit nocore = { 0, 0 };
	struct pwd_conf conf;
	struct store *st = NULL;
	struct opts o;
	sigset_t set;
	char err[512];
	bool own_socket;
	int lfd;

	sane_stdio();
	parse_opts(argc, argv, &o);
	load_config(&o, &conf);
	if (o.check_only) {
		printf("configuration OK\n");
		return 0;
	}
	log_init(o.foreground, o.debug);
	umask(077);
	prctl(PR_SET_DUMPABLE, 0);
	setrlimit(RLIMIT_CORE, &nocore);
	signal(SIGPIPE, SIG_IGN);
	lfd = open_socket(&conf, &own_socket);
	drop_privileges(&conf, own_socket ? conf.socket : NULL);
	if (!o.foreground)
		detach();
	/* Signals are taken through a signalfd by the accept loop only. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (store_open(&st, conf.state_dir, err, sizeof(err)) != PW_OK)
		fatalx("%s", err);
	if (verify_init(conf.argon2_ops, conf.argon2_mem_kib,
	    conf.hash_workers) != PW_OK)
		fatalx("cannot initialise hashing (libsodium, argon2 parameters)");
	otp_key_setup(st, conf.state_dir);
	lockout_init();
	log_info("ready: socket %s, store %s, %u hash workers", conf.socket,
	    conf.state_dir, conf.hash_workers);
	sd_notify(0, "READY=1");
	if (server_run(lfd, &conf, st) != 0) {
		/* threads may still use the store: leave it to the kernel;
		 * every committed write is already on disk */
		log_warnx("exiting with requests still in progress");
		_exit(0);
	}
	sd_notify(0, "STOPPING=1");
	store_close(st);
	if (own_socket)
		unlink(conf.socket);
	return 0;
}
