/* SPDX-License-Identifier: MIT */
/* Human strings for PW_ERR_* codes. */
#include "pwerr.h"

static const char *const msgs[] = {
	[0] = "success",
	[1] = "wrong password",
	[2] = "password locked",
	[3] = "no such account",
	[4] = "account suspended",
	[5] = "permission denied",
	[6] = "account already exists",
	[7] = "the store already has accounts",
	[8] = "password refused by a quality rule",
	[9] = "that would leave no usable master account",
	[10] = "the password must be changed",
	[11] = "invalid argument",
	[12] = "daemon busy, try again later",
	[13] = "timed out",
	[14] = "malformed message",
	[15] = "protocol version mismatch",
	[16] = "field too long",
	[17] = "message truncated",
	[18] = "trailing bytes after message",
	[19] = "NUL byte inside a string",
	[20] = "no space left",
	[21] = "input/output error",
	[22] = "daemon unreachable",
	[23] = "daemon socket is not owned by a trusted user",
	[24] = "store error",
	[25] = "out of memory",
	[26] = "internal error",
	[27] = "wrong confirmation password",
	[28] = "confirmation password locked",
	[29] = "the audit log does not verify",
	[30] = "a password hash could not be computed (out of memory); try again later",
	[31] = "the store cannot take writes (disk full, or its database out of reach); try again later",
};

const char *
pw_strerror(int r)
{
	if (r > 0 || r < PW_ERR_LAST)
		return "unknown error";
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
