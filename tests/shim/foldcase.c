/* SPDX-License-Identifier: MIT */
/*
 * An NSS that folds case, for tests (LD_PRELOAD, ahead of nss_wrapper):
 * getpwnam_r("ALICE") finds alice, as sssd or winbind do with
 * case-insensitive names.  Nothing else changes.
 */
#include <sys/types.h>
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <pwd.h>
#include <stddef.h>
#include <string.h>

typedef int (*getpwnam_r_fn)(const char *, struct passwd *, char *, size_t,
    struct passwd **);

int getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t buflen,
    struct passwd **result);

int
getpwnam_r(const char *name, struct passwd *pwd, char *buf, size_t buflen,
    struct passwd **result)
{
	static getpwnam_r_fn next;
	char low[256];
	size_t i;

	if (next == NULL) {
		void *sym = dlsym(RTLD_NEXT, "getpwnam_r");

		memcpy(&next, &sym, sizeof(next));
	}
	*result = NULL;
	if (next == NULL)
		return ENOSYS;
	if (strlen(name) >= sizeof(low))
		return next(name, pwd, buf, buflen, result);
	for (i = 0; name[i] != '\0'; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	return next(low, pwd, buf, buflen, result);
}
