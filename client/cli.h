/* SPDX-License-Identifier: MIT */
/* pwadmin command line: parsing into a struct, exit statuses (pure, no I/O). */
#ifndef PW_CLI_H
#define PW_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define PW_SOCKET_DEFAULT "/run/pwadmin/pwadmind.sock"
#define CLI_ERR_MAX	  256 /* bytes of a usage error message */

/* Exit statuses (pwadmin(1) EXIT STATUS). */
enum cli_exit {
	CLI_EXIT_OK = 0,	  /* success */
	CLI_EXIT_REFUSED = 1,	  /* the daemon (or the client) refused */
	CLI_EXIT_USAGE = 2,	  /* bad command line or input */
	CLI_EXIT_UNREACHABLE = 3, /* daemon unreachable or not understood */
};

/* The commands of this release; the zero value is no command. */
enum cli_cmd {
	CLI_CMD_NONE = 0,
	CLI_CMD_INIT,
	CLI_CMD_USERADD,
	CLI_CMD_STATUS,
	CLI_CMD_LIST,
	CLI_CMD_UNLOCK,
	CLI_CMD_STATS,
	CLI_CMD_COUNT
};

/*
 * A parsed command line.  The strings point into argv (not copied); none
 * of them is a secret (secrets never travel in argv).
 */
struct cli {
	enum cli_cmd cmd;
	const char *socket;    /* --socket PATH, or PW_SOCKET_DEFAULT */
	bool help;	       /* -h/--help: print usage, nothing else */
	bool use_stdin;	       /* --stdin: secrets from standard input */
	bool json;	       /* --json */
	bool locked;	       /* list --locked */
	bool all;	       /* unlock --all */
	uint8_t role;	       /* useradd --role (enum pw_role) */
	const char *user;      /* init --master, useradd USER, status [USER] */
	size_t ntargets;       /* unlock USER... */
	const char *targets[PW_TARGETS_MAX];
	char err[CLI_ERR_MAX]; /* the usage error when cli_parse fails */
};

/*
 * Parses argv[1..argc) into *c (cleared first).  Options may appear
 * anywhere on the line ("--" ends them) and take their value as the next
 * word or after '='.  Every account name must pass proto_name_valid() and
 * a role proto_role_parse(); nothing is rewritten.  Returns PW_OK (also
 * for --help, with c->help set), or PW_ERR_INVAL with a one-sentence
 * reason in c->err (without the "pwadmin: " prefix).
 */
int cli_parse(struct cli *c, int argc, char *const argv[]) PW_WUR;

/* The name of a command ("status"); "" for CLI_CMD_NONE. */
const char *cli_cmd_name(enum cli_cmd cmd);

/*
 * Maps a result (PW_OK, a daemon status or a transport error) to the exit
 * status: 0 success, 3 for transport and protocol errors (the daemon could
 * not be reached or understood), 1 for every other refusal.
 */
int cli_exit_code(int status);

/* The usage synopsis printed by --help (several lines, ends in '\n'). */
extern const char cli_usage[];

#endif
