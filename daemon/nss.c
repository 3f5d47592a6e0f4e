/* SPDX-License-Identifier: MIT */
/* The daemon's user-database (NSS) lookups, serialised (see nss.h). */
#include <sys/types.h>
#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <string.h>

#include "nss.h"
#include "pwerr.h"

#define NSS_BUF 4096 /* bytes: one passwd entry's strings */

static pthread_mutex_t nss_mu = PTHREAD_MUTEX_INITIALIZER;

bool
nss_name_of_uid(uid_t uid, char name[PW_USER_MAX + 1])
{
	struct passwd pw, *res = NULL;
	char buf[NSS_BUF];
	bool ok = false;
	int rc;

	pthread_mutex_lock(&nss_mu);
	rc = getpwuid_r(uid, &pw, buf, sizeof(buf), &res);
	if (rc == 0 && res != NULL && proto_name_valid(pw.pw_name)) {
		memcpy(name, pw.pw_name, strlen(pw.pw_name) + 1);
		ok = true;
	}
	pthread_mutex_unlock(&nss_mu);
	return ok;
}

int
nss_canonical(const char *name, char canon[PW_USER_MAX + 1], uid_t *uid)
{
	struct passwd pw, *res = NULL;
	char buf[NSS_BUF];
	int rc, r;

	pthread_mutex_lock(&nss_mu);
	rc = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
	if (rc == 0 && res != NULL) {
		/* a name longer than any account's is no account's spelling */
		r = strlen(pw.pw_name) <= PW_USER_MAX ? PW_OK : PW_ERR_NOUSER;
		if (r == PW_OK)
			memcpy(canon, pw.pw_name, strlen(pw.pw_name) + 1);
		if (r == PW_OK && uid != NULL)
			*uid = pw.pw_uid;
	} else if (rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF ||
	    rc == EPERM)
		r = PW_ERR_NOUSER;
	else
		r = PW_ERR_IO;
	pthread_mutex_unlock(&nss_mu);
	return r;
}
