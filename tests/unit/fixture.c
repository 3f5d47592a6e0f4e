/* SPDX-License-Identifier: MIT */
/* The unit tests' one fixture (fixture.h). */
#include <sys/stat.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "pwerr.h"

int
fx_tmpdir(char *dir, size_t dirsz, const char *what)
{
	if ((size_t)snprintf(dir, dirsz, "/tmp/pwadmin-test-%s-XXXXXX", what) >=
	    dirsz)
		return -1;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int
fx_rmtree(const char *dir)
{
	return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

int
fx_store_open(struct fx_store *f, const char *what)
{
	char err[256] = "";

	memset(f, 0, sizeof(*f));
	if (fx_tmpdir(f->dir, sizeof(f->dir), what) != 0 ||
	    store_open(&f->st, f->dir, err, sizeof(err)) != PW_OK) {
		fprintf(stderr, "fixture: %s: %s\n", f->dir, err);
		return -1;
	}
	return 0;
}

int
fx_store_close(struct fx_store *f)
{
	store_close(f->st);
	f->st = NULL;
	return fx_rmtree(f->dir);
}

struct add {
	const struct store_user *u;
};

static int
add_tx(struct store_tx *tx, void *arg)
{
	const struct add *a = arg;

	return store_tx_put(tx, a->u, true);
}

int
fx_user_add(struct store *st, const struct store_user *u)
{
	struct add a = { u };

	return store_write(st, add_tx, &a);
}

struct edit_all {
	store_edit_fn fn;
	void *arg;
};

static int
edit_all_tx(struct store_tx *tx, void *arg)
{
	struct edit_all *a = arg;

	return store_tx_edit_all(tx, a->fn, a->arg);
}

int
fx_users_edit_all(struct store *st, store_edit_fn fn, void *arg)
{
	struct edit_all a = { fn, arg };

	return store_write(st, edit_all_tx, &a);
}
