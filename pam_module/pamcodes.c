/* SPDX-License-Identifier: MIT */
/*
 * Daemon statuses to PAM codes, one table for both phases (SPEC "PAM
 * module").  A status without a row is a denial, never a success.
 */
#include <stddef.h>

#include <security/pam_appl.h>

#include "pamcodes.h"
#include "pwerr.h"

/* Daemon down, untrusted or unable to answer: PAM_AUTHINFO_UNAVAIL. */
#define UNAVAIL PAM_AUTHINFO_UNAVAIL

static const struct {
	int status;
	int auth;   /* PAM code in pam_sm_authenticate */
	int acct;   /* PAM code in pam_sm_acct_mgmt */
	int passwd; /* PAM code in pam_sm_chauthtok */
} map[] = {
	{ PW_OK, PAM_SUCCESS, PAM_SUCCESS, PAM_SUCCESS },
	/* password phase: a wrong current password */
	{ PW_ERR_AUTH, PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_AUTHTOK_RECOVERY_ERR },
	{ PW_ERR_NOUSER, PAM_USER_UNKNOWN, PAM_USER_UNKNOWN, PAM_USER_UNKNOWN },
	{ PW_ERR_LOCKED, PAM_MAXTRIES, PAM_PERM_DENIED, PAM_PERM_DENIED },
	{ PW_ERR_SUSPENDED, PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_PERM_DENIED },
	{ PW_ERR_PERM, PAM_PERM_DENIED, PAM_PERM_DENIED, PAM_PERM_DENIED },
	{ PW_ERR_CHANGE, PAM_AUTH_ERR, PAM_NEW_AUTHTOK_REQD, PAM_AUTHTOK_ERR },
	{ PW_ERR_QUALITY, PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_AUTHTOK_ERR },
	{ PW_ERR_BUSY, PAM_AUTH_ERR, PAM_PERM_DENIED, PAM_TRY_AGAIN },
	/* and every pw_err_unreachable() status (see pw_to_pam) */
	{ PW_ERR_NOMEM, UNAVAIL, UNAVAIL, UNAVAIL },
	{ PW_ERR_STORE, UNAVAIL, UNAVAIL, UNAVAIL },
};

int
pw_to_pam(int pw_status, int phase)
{
	int deny, rv;
	size_t i;

	if (phase == PW_PHASE_AUTH)
		deny = PAM_AUTH_ERR;
	else if (phase == PW_PHASE_ACCT)
		deny = PAM_PERM_DENIED;
	else if (phase == PW_PHASE_PASSWD)
		deny = PAM_AUTHTOK_ERR;
	else
		return PAM_SERVICE_ERR;
	if (pw_err_unreachable(pw_status))
		return PAM_AUTHINFO_UNAVAIL;
	rv = deny;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].status == pw_status) {
			rv = phase == PW_PHASE_AUTH ? map[i].auth :
			    phase == PW_PHASE_ACCT ? map[i].acct : map[i].passwd;
			break;
		}
	}
	/* Belt and braces: a row can never turn a failure into success. */
	if (rv == PAM_SUCCESS && pw_status != PW_OK)
		rv = deny;
	return rv;
}
