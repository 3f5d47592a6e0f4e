/* SPDX-License-Identifier: MIT */
/*
 * pwadmin otp (SPEC rule 11): enrolment of one's own token in two
 * requests, the otpauth:// URI and its QR code between them, and the
 * requests of otp unlock and otp remove.  The daemon makes the secret,
 * verifies the confirmation password and the activation code; the client
 * only shows the URI and checks that a code looks like one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <qrencode.h>

#include "cli.h"
#include "i18n.h"
#include "otp.h"
#include "output.h"
#include "pwerr.h"
#include "wipe.h"

bool
otp_code_valid(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (s[n] < '0' || s[n] > '9' || n >= PW_OTP_MAX)
			return false;
	return n >= OTP_CODE_MIN;
}

/* True when the module at (x, y) is light; outside the code: quiet zone. */
static bool
light(const QRcode *qr, int x, int y)
{
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return true;
	return (qr->data[(size_t)y * (size_t)qr->width + (size_t)x] & 1) == 0;
}

static int
qr_draw(FILE *fp, const QRcode *qr, bool colour)
{
	/* By light halves: none, bottom, top, both. */
	static const char *const glyph[4] = { " ", "\xe2\x96\x84",
		"\xe2\x96\x80", "\xe2\x96\x88" };
	int end = qr->width + OTP_QUIET, x, y;
	unsigned top, bottom;

	for (y = -OTP_QUIET; y < end; y += 2) {
		if (colour)
			fputs(OTP_QR_COLOUR, fp);
		for (x = -OTP_QUIET; x < end; x++) {
			top = light(qr, x, y);
			bottom = y + 1 < end && light(qr, x, y + 1);
			fputs(glyph[top << 1 | bottom], fp);
		}
		if (colour)
			fputs(OTP_QR_NORMAL, fp);
		fputc('\n', fp);
	}
	return ferror(fp) ? PW_ERR_IO : PW_OK;
}

int
otp_qr_print(FILE *fp, const char *text, bool colour)
{
	QRcode *qr;
	int r;

	errno = 0;
	if ((qr = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8,
	    1)) == NULL)
		return errno == ENOMEM ? PW_ERR_NOMEM : PW_ERR_TOOLONG;
	r = qr_draw(fp, qr, colour);
	/* The modules encode the secret: wipe them before libqrencode frees. */
	pw_wipe(qr->data, (size_t)qr->width * (size_t)qr->width);
	QRcode_free(qr);
	return r;
}

/*
 * The URI line, flushed (a script reads it before it writes the code),
 * then the QR code.  A QR code that cannot be drawn is only a warning: the
 * URI is there.  PW_OK or PW_ERR_IO.
 */
static int
show_uri(const struct otp_show *show, const char *uri)
{
	int r;

	if (fprintf(show->fp, "%s\n", uri) < 0 || fflush(show->fp) != 0)
		return PW_ERR_IO;
	if (!show->qr)
		return PW_OK;
	if ((r = otp_qr_print(show->fp, uri, show->colour)) == PW_ERR_IO)
		return r;
	if (r != PW_OK)
		output_error(_("cannot draw the QR code (%s); type "
		    "the URI into your app instead"), _(pw_strerror(r)));
	return fflush(show->fp) == 0 ? PW_OK : PW_ERR_IO;
}

/* The activation code: one line, 6..8 digits (else exit 2). */
static int
read_code(const struct prompt_src *src, struct pw_secret *sec)
{
	struct prompt_item it = { _("the one-time password"),
		_("One-time password from your app: "), NULL };
	int ex;

	if ((ex = prompt_secret(src, &it, sec)) != CLI_EXIT_OK)
		return ex;
	if (otp_code_valid(sec->buf))
		return CLI_EXIT_OK;
	PW_WIPE_OBJECT(sec);
	output_error(_("the one-time password must be %d to %d "
	    "digits"), OTP_CODE_MIN, PW_OTP_MAX);
	return CLI_EXIT_USAGE;
}

/* The daemon's answer to the first step must carry an otpauth URI. */
static bool
uri_valid(const char *uri)
{
	return strncmp(uri, OTP_URI_PREFIX, strlen(OTP_URI_PREFIX)) == 0 &&
	    proto_text_valid(uri, PW_URI_MAX);
}

int
otp_enroll(const struct call *c, const struct prompt_src *src,
    const char *user, const struct otp_show *show, struct pw_reply *rep)
{
	struct prompt_item confirm = { _("your confirmation password"),
		_("Confirmation password: "), NULL };
	struct pw_request req;
	int ex, r;

	memset(&req, 0, sizeof(req));
	req.type = PW_REQ_OTP_ENROLL;
	req.nsecrets = 1;
	(void)snprintf(req.user, sizeof(req.user), "%s", user);
	if ((ex = prompt_secret(src, &confirm, &req.secret[0])) !=
	    CLI_EXIT_OK)
		goto out;
	r = call_one(c, &req, rep);
	proto_wipe_req(&req);
	if (r == PW_OK && !uri_valid(rep->uri))
		r = PW_ERR_PROTO;
	if (r != PW_OK) {
		ex = output_refusal(stderr, c->socket, r, &rep->why);
		goto out;
	}
	r = show_uri(show, rep->uri);
	PW_WIPE_ARRAY(rep->uri);
	if (r != PW_OK) {
		output_error(_("cannot write the one-time password "
		    "URI; the token was not activated"));
		ex = CLI_EXIT_REFUSED;
		goto out;
	}
	if ((ex = read_code(src, &req.secret[0])) != CLI_EXIT_OK)
		goto out;
	req.flags = PW_F_ACTIVATE;
	req.nsecrets = 1; /* proto_wipe_req cleared it */
	r = call_one(c, &req, rep);
	proto_wipe_req(&req);
	if (r != PW_OK)
		ex = output_refusal(stderr, c->socket, r, &rep->why);
out:
	proto_wipe_req(&req);
	PW_WIPE_ARRAY(rep->uri);
	return ex;
}

int
otp_admin_req(const struct cli *cli, struct pw_request *req)
{
	size_t i;

	memset(req, 0, sizeof(*req));
	req->nsecrets = 1;
	switch (cli->cmd) {
	case CLI_CMD_OTP_UNLOCK:
		if (cli->ntargets > PW_TARGETS_MAX)
			return PW_ERR_INVAL;
		req->type = PW_REQ_OTP_UNLOCK;
		req->flags = cli->all ? PW_F_ALL : 0;
		for (i = 0; i < cli->ntargets; i++)
			(void)snprintf(req->targets[i], sizeof(req->targets[i]),
			    "%s", cli->targets[i]);
		req->ntargets = (uint32_t)cli->ntargets;
		return PW_OK;
	case CLI_CMD_OTP_REMOVE:
		req->type = PW_REQ_OTP_REMOVE;
		(void)snprintf(req->user, sizeof(req->user), "%s", cli->user);
		return PW_OK;
	default:
		return PW_ERR_INVAL;
	}
}
