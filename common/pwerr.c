/* SPDX-License-Identifier: MIT */
/*
 * Human strings for PW_ERR_* codes, in English: logs, the audit log and
 * JSON use them as they are; words for people translate them (N_).
 */
#include "i18n.h"
#include "pwerr.h"

static const char *const msgs[] = {
	[0] = N_("success"),
	[1] = N_("wrong password"),
	[2] = N_("password locked"),
	[3] = N_("no such account"),
	[4] = N_("account suspended"),
	[5] = N_("permission denied"),
	[6] = N_("account already exists"),
	[7] = N_("the store already has accounts"),
	[8] = N_("password refused by a quality rule"),
	[9] = N_("that would leave no usable master account"),
	[10] = N_("the password must be changed"),
	[11] = N_("invalid argument"),
	[12] = N_("daemon busy, try again later"),
	[13] = N_("timed out"),
	[14] = N_("malformed message"),
	[15] = N_("protocol version mismatch"),
	[16] = N_("field too long"),
	[17] = N_("message truncated"),
	[18] = N_("trailing bytes after message"),
	[19] = N_("NUL byte inside a string"),
	[20] = N_("no space left"),
	[21] = N_("input/output error"),
	[22] = N_("daemon unreachable"),
	[23] = N_("daemon socket is not owned by a trusted user"),
	[24] = N_("store error"),
	[25] = N_("out of memory"),
	[26] = N_("internal error"),
	[27] = N_("wrong confirmation password"),
	[28] = N_("confirmation password locked"),
	[29] = N_("the audit log does not verify"),
	[30] = N_("a password hash could not be computed (out of memory); try again later"),
	[31] = N_("the store cannot take writes (disk full, or its database out of reach); try again later"),
};

const char *
pw_strerror(int r)
{
	if (r > 0 || r < PW_ERR_LAST)
		return N_("unknown error");
	return msgs[-r];
}

int
pw_err_unreachable(int r)
{
	switch (r) {
	case PW_ERR_CONNECT:
	case PW_ERR_UNTRUSTED:
	case PW_ERR_TIMEOUT:
	case PW_ERR_IO:
	case PW_ERR_PROTO:
	case PW_ERR_VERSION:
	case PW_ERR_TOOLONG:
	case PW_ERR_TRUNCATED:
	case PW_ERR_TRAILING:
	case PW_ERR_NUL:
	case PW_ERR_HASH:
	case PW_ERR_READONLY:
		return 1;
	default:
		return 0;
	}
}
