/* SPDX-License-Identifier: MIT */
/* pwadmin command line: parsing into a struct, exit statuses (pure, no I/O). */
#ifndef PW_CLI_H
#define PW_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "proto.h"

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
	CLI_CMD_SUSPEND,
	CLI_CMD_RESUME,
	CLI_CMD_RESET,
	CLI_CMD_USERDEL,
	CLI_CMD_ROLE,
	CLI_CMD_AUDIT,
	CLI_CMD_BACKUP,
	CLI_CMD_PASSWD,
	CLI_CMD_OTP_ENROLL, /* otp enroll */
	CLI_CMD_OTP_UNLOCK, /* otp unlock */
	CLI_CMD_OTP_REMOVE, /* otp remove */
	CLI_CMD_IMPORT,
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
	bool all;	       /* unlock --all, otp unlock --all */
	bool verify;	       /* audit --verify */
	/*
	 * Request flags from the options: PW_F_FORCE (suspend, userdel,
	 * role --force), PW_F_LOGIN and PW_F_CONFIRM (reset and passwd;
	 * both when neither option is given), PW_F_NO_FORCE (reset
	 * --no-force-change).
	 */
	uint32_t flags;
	uint8_t role;	       /* useradd --role, role USER ROLE, import
				* --role (default user) (enum pw_role) */
	uint64_t since;	       /* audit --since, unix time (0 = from the start) */
	const char *user;      /* the USER of init, useradd, status, reset,
				* userdel, role, otp remove */
	const char *file;      /* backup FILE (a path, not checked here) */
	const char *shadow;    /* import --shadow FILE, or NULL: the system's */
	const char *group;     /* import --all-in-group GROUP, or NULL */
	size_t ntargets;       /* unlock, otp unlock, suspend, resume, import
				* USER... */
	const char *targets[PW_TARGETS_MAX];
	char err[CLI_ERR_MAX]; /* the usage error when cli_parse fails */
};

/*
 * Parses argv[1..argc) into *c (cleared first).  Options may appear
 * anywhere on the line ("--" ends them) and take their value as the next
 * word or after '='.  A command of two words ("otp unlock") is the first
 * two operands.  Every account name must pass proto_name_valid() and
 * a role proto_role_parse(); nothing is rewritten.  Returns PW_OK (also
 * for --help, with c->help set), or PW_ERR_INVAL with a one-sentence
 * reason in c->err (without the "pwadmin: " prefix).
 */
int cli_parse(struct cli *c, int argc, char *const argv[]) PW_WUR;

/*
 * Parses an audit --since time into *out (unix time): "YYYY-MM-DD" (its
 * midnight) or "YYYY-MM-DDTHH:MM:SS", the latter optionally followed by
 * "Z"; every time is UTC.  Years 1970 to 9999, real calendar days, hours 00-23,
 * minutes and seconds 00-59.  Anything else (a space for the 'T', an
 * offset, fractions, lower case, a missing field) is PW_ERR_INVAL with
 * *out 0.
 */
int cli_parse_time(const char *s, uint64_t *out) PW_WUR;

/* The name of a command ("status", "otp unlock"); "" for CLI_CMD_NONE. */
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
