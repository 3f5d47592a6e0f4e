/* SPDX-License-Identifier: MIT */
/*
 * pwadmin: the command-line client of pwadmind.  main() parses, then a
 * table dispatches to one handler per command: read secrets, one call (or
 * LIST pages), print.  Secrets live only in the request and are wiped.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "call.h"
#include "cli.h"
#include "output.h"
#include "prompt.h"
#include "pwerr.h"
#include "wipe.h"

/* What every handler works with. */
struct ctx {
	const struct cli *cli;
	struct call call;
	struct prompt_src src;
	struct pw_reply *rep; /* large: on the heap */
};

/* A refusal of the daemon or a transport error: one line, the exit status. */
static int
refused(const struct ctx *x, int r)
{
	return output_refusal(stderr, x->cli->socket, r, x->rep->msg);
}

/* After a successful call: the info sentence, or how printing failed. */
static int
shown(const struct ctx *x, int r)
{
	char buf[PW_MSG_MAX + 1];

	if (r == PW_ERR_IO) {
		fprintf(stderr, "pwadmin: cannot write to standard output\n");
		return CLI_EXIT_REFUSED;
	}
	if (r != PW_OK)
		return output_refusal(stderr, x->cli->socket, r, NULL);
	if (x->rep->info[0] != '\0') {
		output_sanitize(buf, sizeof(buf), x->rep->info);
		fprintf(stderr, "pwadmin: %s\n", buf);
	}
	return CLI_EXIT_OK;
}

/* Prints and frees a JSON document built with result r (NULL unless PW_OK). */
static int
print_json(int r, json_t *doc)
{
	if (r == PW_OK)
		r = output_json(stdout, doc);
	json_decref(doc);
	return r;
}

/* init and useradd: the confirmation line, or {"name", "role"}. */
static int
print_created(const struct ctx *x, const char *user, uint8_t role)
{
	json_t *doc;

	if (!x->cli->json) {
		if (x->cli->cmd == CLI_CMD_INIT)
			printf("Created master %s.\n", user);
		else
			printf("Created user %s with role %s; both passwords "
			    "must be changed at first login.\n", user,
			    proto_role_name(role));
		return ferror(stdout) ? PW_ERR_IO : PW_OK;
	}
	doc = json_pack("{s:s, s:s}", "name", user, "role",
	    proto_role_name(role));
	return print_json(doc != NULL ? PW_OK : PW_ERR_NOMEM, doc);
}

/*
 * init --master M: root only; reads M's login, M's confirmation.
 * useradd U --role R: reads U's login, U's confirmation, then the actor's
 * confirmation unless root runs it (recovery: sent empty).
 */
static int
cmd_create(struct ctx *x)
{
	const struct cli *cli = x->cli;
	bool init = cli->cmd == CLI_CMD_INIT;
	struct pw_request req;
	int ex, r;

	memset(&req, 0, sizeof(req));
	if (init && getuid() != 0) {
		fprintf(stderr, "pwadmin: init must be run by root\n");
		return CLI_EXIT_REFUSED;
	}
	req.type = init ? PW_REQ_INIT : PW_REQ_USERADD;
	req.role = init ? PW_ROLE_MASTER : cli->role;
	req.nsecrets = init ? 2 : 3;
	(void)snprintf(req.user, sizeof(req.user), "%s", cli->user);
	if ((ex = prompt_new_pair(&x->src, cli->user, &req.secret[0],
	    &req.secret[1])) != CLI_EXIT_OK)
		goto out;
	if (!init && getuid() != 0 &&
	    (ex = prompt_actor(&x->src, &req.secret[2])) != CLI_EXIT_OK)
		goto out;
	r = call_one(&x->call, &req, x->rep);
	proto_wipe_req(&req);
	if (r != PW_OK)
		ex = refused(x, r);
	else
		ex = shown(x, print_created(x, cli->user, req.role));
out:
	proto_wipe_req(&req);
	return ex;
}

/* status [USER]: the account object or "key: value" lines. */
static int
cmd_status(struct ctx *x)
{
	struct pw_request req;
	json_t *doc = NULL;
	int r;

	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_STATUS;
	if (x->cli->user != NULL)
		(void)snprintf(req.user, sizeof(req.user), "%s", x->cli->user);
	if ((r = call_one(&x->call, &req, x->rep)) == PW_OK &&
	    x->rep->naccts != 1)
		r = PW_ERR_PROTO;
	if (r != PW_OK)
		return refused(x, r);
	if (x->cli->json) {
		r = output_account_json(&x->rep->accts[0], &doc);
		r = print_json(r, doc);
	} else
		r = output_account_text(stdout, &x->rep->accts[0]);
	return shown(x, r);
}

/* list [--locked]: every page, then one table or {"accounts": [...]}. */
static int
cmd_list(struct ctx *x)
{
	struct pw_account *a = NULL;
	json_t *doc = NULL;
	size_t n = 0;
	int r;

	if ((r = call_list(&x->call, x->cli->locked ? PW_F_LOCKED_ONLY : 0,
	    x->rep, &a, &n)) != PW_OK)
		return refused(x, r);
	if (x->cli->json) {
		r = output_accounts_json(a, n, &doc);
		r = print_json(r, doc);
	} else
		r = output_list_text(stdout, a, n);
	free(a);
	return shown(x, r);
}

/* unlock USER...|--all: reads the actor's confirmation unless root. */
static int
cmd_unlock(struct ctx *x)
{
	const struct cli *cli = x->cli;
	struct pw_request req;
	json_t *doc = NULL;
	size_t i;
	int ex, r;

	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_UNLOCK;
	req.flags = cli->all ? PW_F_ALL : 0;
	req.nsecrets = 1;
	for (i = 0; i < cli->ntargets; i++)
		(void)snprintf(req.targets[i], sizeof(req.targets[i]), "%s",
		    cli->targets[i]);
	req.ntargets = (uint32_t)cli->ntargets;
	if (getuid() != 0 &&
	    (ex = prompt_actor(&x->src, &req.secret[0])) != CLI_EXIT_OK)
		goto out;
	r = call_one(&x->call, &req, x->rep);
	proto_wipe_req(&req);
	if (r != PW_OK) {
		ex = refused(x, r);
		goto out;
	}
	if (cli->json) {
		r = output_accounts_json(x->rep->accts, x->rep->naccts, &doc);
		r = print_json(r, doc);
	} else
		r = output_unlock_text(stdout, x->rep->accts, x->rep->naccts);
	ex = shown(x, r);
out:
	proto_wipe_req(&req);
	return ex;
}

/* stats: the daemon's counters (root). */
static int
cmd_stats(struct ctx *x)
{
	struct pw_request req;
	json_t *doc = NULL;
	int r;

	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_STATS;
	if ((r = call_one(&x->call, &req, x->rep)) != PW_OK)
		return refused(x, r);
	if (x->cli->json) {
		r = output_stats_json(x->rep->stats, x->rep->nstats, &doc);
		r = print_json(r, doc);
	} else
		r = output_stats_text(stdout, x->rep->stats, x->rep->nstats);
	return shown(x, r);
}

static int (*const handlers[CLI_CMD_COUNT])(struct ctx *) = {
	[CLI_CMD_INIT] = cmd_create,
	[CLI_CMD_USERADD] = cmd_create,
	[CLI_CMD_STATUS] = cmd_status,
	[CLI_CMD_LIST] = cmd_list,
	[CLI_CMD_UNLOCK] = cmd_unlock,
	[CLI_CMD_STATS] = cmd_stats,
};

/* No core file and no same-uid ptrace: the process holds secrets. */
static void
harden(void)
{
	struct rlimit rl = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &rl);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int
main(int argc, char *argv[])
{
	struct cli cli;
	struct ctx x;
	int ex;

	harden();
	if (cli_parse(&cli, argc, argv) != PW_OK) {
		fprintf(stderr, "pwadmin: %s\n", cli.err);
		return CLI_EXIT_USAGE;
	}
	if (cli.help) {
		fputs(cli_usage, stdout);
		return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_REFUSED;
	}
	memset(&x, 0, sizeof(x));
	x.cli = &cli;
	x.src.use_stdin = cli.use_stdin;
	x.src.fd = STDIN_FILENO;
	call_init(&x.call, cli.socket);
	if ((x.rep = calloc(1, sizeof(*x.rep))) == NULL) {
		fprintf(stderr, "pwadmin: %s\n", pw_strerror(PW_ERR_NOMEM));
		return CLI_EXIT_REFUSED;
	}
	ex = handlers[cli.cmd](&x);
	PW_WIPE_OBJECT(x.rep);
	free(x.rep);
	if (fflush(stdout) != 0 && ex == CLI_EXIT_OK) {
		fprintf(stderr, "pwadmin: cannot write to standard output\n");
		ex = CLI_EXIT_REFUSED;
	}
	return ex;
}
