/* SPDX-License-Identifier: MIT */
/* The unit tests' one fixture: a private temp dir, and a store in one. */
#ifndef PW_TEST_FIXTURE_H
#define PW_TEST_FIXTURE_H

#include <stddef.h>

#include "store.h"

/*
 * A private directory /tmp/pwadmin-test-WHAT-XXXXXX (mkdtemp) into
 * dir[dirsz]; 0, or -1.  fx_rmtree removes it and all below it.
 */
int fx_tmpdir(char *dir, size_t dirsz, const char *what);
int fx_rmtree(const char *dir);

/* A store opened in a fresh temp dir. */
struct fx_store {
	char dir[64];
	struct store *st;
};

/* Makes the dir and opens the store; 0, or -1 (and says why). */
int fx_store_open(struct fx_store *f, const char *what);
/* Closes the store and removes its dir; 0, or -1. */
int fx_store_close(struct fx_store *f);

/*
 * Test data through the product's own write path (store_write): adds one
 * account (PW_ERR_EXISTS when the name is taken), or edits every account
 * in name order in one transaction.
 */
int fx_user_add(struct store *st, const struct store_user *u);
int fx_users_edit_all(struct store *st, store_edit_fn fn, void *arg);

#endif
