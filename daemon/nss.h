/* SPDX-License-Identifier: MIT */
/* The daemon's user-database (NSS) lookups, serialised. */
#ifndef PWD_NSS_H
#define PWD_NSS_H

#include <stdbool.h>
#include <sys/types.h>

#include "proto.h"

/*
 * The valid account name of uid into name[PW_USER_MAX + 1]: true, or
 * false (no entry, or a name the protocol refuses).  Lookups are
 * serialised: NSS modules have shipped races (nss_wrapper returned a wild
 * pw_name to two threads on first use), and one takes microseconds next
 * to a hash.
 */
bool nss_name_of_uid(uid_t uid, char name[PW_USER_MAX + 1]);

/*
 * How NSS spells `name': PW_OK with canon[PW_USER_MAX + 1] set (equal to
 * name, or another spelling: sssd or winbind with case-insensitive
 * names), PW_ERR_NOUSER when NSS has no such user, PW_ERR_IO when the
 * lookup failed.  *uid (when not NULL) gets the user's uid on PW_OK.
 */
int nss_canonical(const char *name, char canon[PW_USER_MAX + 1], uid_t *uid)
    PW_WUR;

#endif
