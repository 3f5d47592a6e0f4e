/* SPDX-License-Identifier: MIT */
/* The one mapping from daemon statuses (PW_ERR_*) to PAM return codes. */
#ifndef PW_PAMCODES_H
#define PW_PAMCODES_H

/* The PAM phase a status is mapped for; 0 is no phase (always a failure). */
enum pw_phase {
	PW_PHASE_AUTH = 1,  /* pam_sm_authenticate */
	PW_PHASE_ACCT = 2,  /* pam_sm_acct_mgmt */
	PW_PHASE_PASSWD = 3 /* pam_sm_chauthtok */
};

/*
 * Returns the PAM code for `pw_status' (PW_OK or a PW_ERR_*, from the
 * daemon or from the transport) in `phase'.  Only PW_OK gives PAM_SUCCESS.
 * Transport and daemon failures give PAM_AUTHINFO_UNAVAIL (fail closed, and
 * routable with [authinfo_unavail=...]); any status without a row gives a
 * denial: PAM_AUTH_ERR in auth, PAM_PERM_DENIED in account, PAM_AUTHTOK_ERR
 * in password.  An unknown
 * phase gives PAM_SERVICE_ERR.
 */
int pw_to_pam(int pw_status, int phase);

#endif
