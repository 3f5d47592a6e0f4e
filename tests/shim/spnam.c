/* SPDX-License-Identifier: MIT */
/*
 * getspnam_r over getspnam, for the benchmark's stock stack (LD_PRELOAD,
 * ahead of nss_wrapper): nss_wrapper serves its shadow file through
 * getspnam only, and pam_unix asks getspnam_r (pam_modutil_getspnam).
 * Nothing else changes.
 */
#include <errno.h>
#include <shadow.h>
#include <stddef.h>
#include <string.h>

int getspnam_r(const char *name, struct spwd *sp, char *buf, size_t buflen,
    struct spwd **result);

/* Copies s into buf at *off; the copy, or NULL when it does not fit. */
static char *
put(const char *s, char *buf, size_t buflen, size_t *off)
{
	size_t n = strlen(s) + 1;
	char *p = buf + *off;

	if (n > buflen - *off)
		return NULL;
	memcpy(p, s, n);
	*off += n;
	return p;
}

int
getspnam_r(const char *name, struct spwd *sp, char *buf, size_t buflen,
    struct spwd **result)
{
	struct spwd *s;
	size_t off = 0;

	*result = NULL;
	errno = 0;
	if ((s = getspnam(name)) == NULL)
		return errno == ENOENT ? 0 : errno;
	*sp = *s;
	if ((sp->sp_namp = put(s->sp_namp, buf, buflen, &off)) == NULL ||
	    (sp->sp_pwdp = put(s->sp_pwdp, buf, buflen, &off)) == NULL)
		return ERANGE;
	*result = sp;
	return 0;
}
