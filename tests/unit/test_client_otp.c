/* SPDX-License-Identifier: MIT */
/* The client's one-time passwords: enrolment (the URI flushed before the
 * code is read), the QR code, otp unlock and otp remove. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <qrencode.h>

#include "admin.h"
#include "call.h"
#include "cli.h"
#include "otp.h"
#include "output.h"
#include "passwd.h"
#include "prompt.h"
#include "client_fixture.h"
#include "pwerr.h"

/* ---- otp: enrolment, the QR code, otp unlock and otp remove ---- */

#define TEST_URI \
	"otpauth://totp/pwadmin:alice?secret=JBSWY3DPEHPK3PXP&issuer=pwadmin"

static void
test_otp_code_valid(void **state)
{
	static const char *const good[] = { "000000", "123456", "1234567",
		"12345678" };
	static const char *const badc[] = { "", "12345", "123456789",
		"12345a", "12 3456", " 123456", "123456 ", "-12345",
		"+123456", "１２３４５６", "0x1234" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!otp_code_valid(good[i]))
			fail_msg("refused \"%s\"", good[i]);
	for (i = 0; i < sizeof(badc) / sizeof(badc[0]); i++)
		if (otp_code_valid(badc[i]))
			fail_msg("accepted \"%s\"", badc[i]);
}

static void
test_otp_text(void **state)
{
	struct pw_account a[3];
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	memset(a, 0, sizeof(a));
	snprintf(a[0].name, sizeof(a[0].name), "alice");
	a[0].otp = PW_OTP_AVAILABLE;
	snprintf(a[1].name, sizeof(a[1].name), "bob");
	a[1].otp = PW_OTP_LOCKED;
	snprintf(a[2].name, sizeof(a[2].name), "carol");
	a[2].otp = PW_OTP_NONE;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_otp_text(fp, a, 3), PW_OK);
	assert_int_equal(output_otp_text(fp, a, 0), PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "alice: otp available\nbob: otp locked\ncarol: otp none\n");
	free(buf);
}

/* The glyph at *s: its light halves (top, bottom); its length in bytes. */
static size_t
glyph_halves(const char *s, bool *top, bool *bottom)
{
	static const struct {
		const char *g;
		bool top, bottom;
	} gl[] = { { " ", false, false }, { "\xe2\x96\x84", false, true },
		{ "\xe2\x96\x80", true, false }, { "\xe2\x96\x88", true, true } };
	size_t i;

	for (i = 0; i < sizeof(gl) / sizeof(gl[0]); i++)
		if (strncmp(s, gl[i].g, strlen(gl[i].g)) == 0) {
			*top = gl[i].top;
			*bottom = gl[i].bottom;
			return strlen(gl[i].g);
		}
	fail_msg("unexpected byte 0x%02x in the QR code",
	    (unsigned)(unsigned char)*s);
	return 0;
}

/* Light in the drawing at (x, y) of the full grid (code + quiet zone). */
static bool
want_light(const QRcode *qr, int x, int y)
{
	x -= OTP_QUIET;
	y -= OTP_QUIET;
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return true;
	return (qr->data[y * qr->width + x] & 1) == 0;
}

/*
 * Checks that `out' (otp_qr_print of text) is the QR code libqrencode
 * makes of text: the number of lines and columns, every module, the
 * quiet zone, the colour codes.
 */
static void
check_qr(const char *out, const char *text, bool colour)
{
	const char *p = out, *nl;
	int size, lines = 0, x, y;
	bool top, bottom;
	QRcode *qr;

	assert_non_null(qr = QRcode_encodeString(text, 0, QR_ECLEVEL_L,
	    QR_MODE_8, 1));
	size = qr->width + 2 * OTP_QUIET;
	for (y = 0; *p != '\0'; y += 2, lines++) {
		assert_non_null(nl = strchr(p, '\n'));
		if (colour) {
			assert_memory_equal(p, OTP_QR_COLOUR,
			    strlen(OTP_QR_COLOUR));
			p += strlen(OTP_QR_COLOUR);
			assert_true(nl - p >= (ptrdiff_t)strlen(OTP_QR_NORMAL));
			assert_memory_equal(nl - strlen(OTP_QR_NORMAL),
			    OTP_QR_NORMAL, strlen(OTP_QR_NORMAL));
		}
		for (x = 0; x < size; x++) {
			p += glyph_halves(p, &top, &bottom);
			assert_int_equal(top, want_light(qr, x, y));
			/* the half row below the last one: background */
			assert_int_equal(bottom,
			    y + 1 < size && want_light(qr, x, y + 1));
		}
		if (colour)
			p += strlen(OTP_QR_NORMAL);
		assert_ptr_equal(p, nl);
		p = nl + 1;
	}
	assert_int_equal(lines, (size + 1) / 2);
	QRcode_free(qr);
}

static void
test_qr_print(void **state)
{
	char *buf = NULL, *big;
	size_t len = 0;
	QRcode *qr;
	FILE *fp;

	(void)state;
	/* A short string: version 1, 21 modules, 29 columns, 15 lines. */
	assert_non_null(qr = QRcode_encodeString("pwadmin", 0, QR_ECLEVEL_L,
	    QR_MODE_8, 1));
	assert_int_equal(qr->version, 1);
	assert_int_equal(qr->width, 21);
	QRcode_free(qr);
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(otp_qr_print(fp, "pwadmin", false), PW_OK);
	check_qr(captured(fp, &buf), "pwadmin", false);
	free(buf);

	/* A URI, with the colour codes. */
	buf = NULL;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(otp_qr_print(fp, TEST_URI, true), PW_OK);
	check_qr(captured(fp, &buf), TEST_URI, true);
	free(buf);

	/* The longest URI a reply may carry still fits. */
	assert_non_null(big = malloc(PW_URI_MAX + 1));
	memset(big, 'Z', PW_URI_MAX);
	memcpy(big, OTP_URI_PREFIX, strlen(OTP_URI_PREFIX));
	big[PW_URI_MAX] = '\0';
	buf = NULL;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(otp_qr_print(fp, big, false), PW_OK);
	check_qr(captured(fp, &buf), big, false);
	free(buf);
	free(big);

	/* Past what a QR code holds: refused, nothing drawn. */
	assert_non_null(big = malloc(4001));
	memset(big, 'a', 4000);
	big[4000] = '\0';
	buf = NULL;
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(otp_qr_print(fp, big, false), PW_ERR_TOOLONG);
	assert_string_equal(captured(fp, &buf), "");
	free(buf);
	free(big);
}

/* A fake daemon for the otp requests. */
struct fake_otp {
	int calls;
	int transport;		   /* transport error of every call (PW_OK: none) */
	int status[2];		   /* the answers to the first two calls */
	const char *uri;	   /* the URI of an enrolment's first answer */
	struct pw_request req[2];  /* copies of the first two requests */
};

static int
fake_otp(const struct call *c, const struct pw_request *req,
    struct pw_reply *rep)
{
	struct fake_otp *f = c->arg;
	int i = f->calls++;
	uint32_t k;

	memset(rep, 0, sizeof(*rep));
	if (i < 2)
		f->req[i] = *req;
	if (f->transport != PW_OK)
		return f->transport;
	rep->type = req->type | PW_REPLY;
	rep->status = i < 2 ? f->status[i] : PW_ERR_INTERNAL;
	if (rep->status != PW_OK) {
		rep->why.code = PW_R_DENY;
		return PW_OK;
	}
	if (req->type == PW_REQ_OTP_ENROLL && !(req->flags & PW_F_ACTIVATE))
		snprintf(rep->uri, sizeof(rep->uri), "%s", f->uri);
	if (req->type == PW_REQ_OTP_UNLOCK) {
		rep->naccts = req->ntargets;
		for (k = 0; k < req->ntargets; k++) {
			snprintf(rep->accts[k].name, sizeof(rep->accts[k].name),
			    "%s", req->targets[k]);
			rep->accts[k].otp = PW_OTP_AVAILABLE;
		}
	}
	return PW_OK;
}

/* One otp enroll of "alice": a fake daemon, --stdin from src.fd. */
struct enroll_case {
	struct call call;
	struct prompt_src src;
	struct otp_show show;
	struct pw_reply *rep;
	int ex;
};

static void
enroll_setup(struct enroll_case *ec, struct fake_otp *f)
{
	memset(f, 0, sizeof(*f));
	f->uri = TEST_URI;
	memset(ec, 0, sizeof(*ec));
	assert_non_null(ec->rep = calloc(1, sizeof(*ec->rep)));
	call_init(&ec->call, "/run/test.sock");
	ec->call.fn = fake_otp;
	ec->call.arg = f;
	ec->src.use_stdin = true;
	ec->src.fd = -1;
	ec->ex = -1;
}

static void
run_enroll(void *arg)
{
	struct enroll_case *ec = arg;

	ec->ex = otp_enroll(&ec->call, &ec->src, "alice", &ec->show, ec->rep);
}

static void *
enroll_thread(void *arg)
{
	run_enroll(arg);
	return NULL;
}

/* One line from fd within ms milliseconds; false on timeout or EOF. */
static bool
line_within(int fd, char *buf, size_t bufsz, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t n;

	if (poll(&pfd, 1, ms) != 1)
		return false;
	return prompt_read_line(fd, buf, bufsz, &n) == PW_OK;
}

/*
 * The script's side of the --stdin protocol: it writes the confirmation,
 * waits for the URI line, and only then writes the code.  A client that
 * read the code before it flushed the URI would wait for ever: the URI
 * must arrive within the timeout while the code is still unwritten.
 */
static void
test_otp_enroll_order(void **state)
{
	struct enroll_case ec;
	struct fake_otp f;
	char line[PW_URI_MAX + 2];
	int in[2], out[2];
	pthread_t t;
	bool got;
	size_t n;

	(void)state;
	enroll_setup(&ec, &f);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	ec.src.fd = in[0];
	assert_non_null(ec.show.fp = fdopen(out[1], "w"));
	assert_int_equal(write(in[1], "Confirm-pw1\n", 12), 12);
	assert_int_equal(pthread_create(&t, NULL, enroll_thread, &ec), 0);

	got = line_within(out[0], line, sizeof(line), 10000);
	if (!got) {
		close(in[1]); /* let the client see the end of input */
		pthread_join(t, NULL);
		fail_msg("the URI was not flushed before the code was read");
	}
	assert_string_equal(line, TEST_URI);
	assert_int_equal(write(in[1], "123456\nnot-read\n", 16), 16);
	close(in[1]);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(ec.ex, CLI_EXIT_OK);

	/* First: the confirmation password, no flag. */
	assert_int_equal(f.calls, 2);
	assert_int_equal(f.req[0].type, PW_REQ_OTP_ENROLL);
	assert_int_equal(f.req[0].flags, 0);
	assert_string_equal(f.req[0].user, "alice");
	assert_int_equal(f.req[0].nsecrets, 1);
	assert_secret(&f.req[0].secret[0], "Confirm-pw1");
	assert_int_equal(f.req[0].ntargets, 0);
	/* Then: the code, ACTIVATE. */
	assert_int_equal(f.req[1].type, PW_REQ_OTP_ENROLL);
	assert_int_equal(f.req[1].flags, PW_F_ACTIVATE);
	assert_string_equal(f.req[1].user, "alice");
	assert_int_equal(f.req[1].nsecrets, 1);
	assert_secret(&f.req[1].secret[0], "123456");
	/* The URI, which holds the secret, is wiped from the reply. */
	assert_int_equal(ec.rep->uri[0], '\0');

	/* Nothing but the URI line on the output (not a terminal: no QR). */
	fclose(ec.show.fp);
	assert_int_equal(read(out[0], line, sizeof(line)), 0);
	close(out[0]);
	/* The code was read once: the next line is still there. */
	assert_int_equal(prompt_read_line(in[0], line, sizeof(line), &n),
	    PW_OK);
	assert_string_equal(line, "not-read");
	close(in[0]);
	proto_wipe_req(&f.req[0]);
	proto_wipe_req(&f.req[1]);
	free(ec.rep);
}

/* The file's whole content (the caller frees). */
static char *
slurp(FILE *fp)
{
	char *out;
	long n;

	assert_int_equal(fflush(fp), 0);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	assert_true((n = ftell(fp)) >= 0);
	rewind(fp);
	assert_non_null(out = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(out, 1, (size_t)n, fp), (size_t)n);
	return out;
}

/*
 * One enrolment with input `in' and the fake's answers; checks the exit
 * status, the calls, the line on stderr, what was shown.
 */
static void
check_enroll(const char *in, const int status[2], int transport, int ex,
    int calls, const char *err_want, const char *shown_want)
{
	struct enroll_case ec;
	struct fake_otp f;
	char *err, *out;

	enroll_setup(&ec, &f);
	f.status[0] = status[0];
	f.status[1] = status[1];
	f.transport = transport;
	ec.src.fd = feed(in, strlen(in));
	assert_non_null(ec.show.fp = tmpfile());
	err = capture_stderr(run_enroll, &ec);
	assert_int_equal(ec.ex, ex);
	assert_int_equal(f.calls, calls);
	assert_string_equal(err, err_want);
	out = slurp(ec.show.fp);
	assert_string_equal(out, shown_want);
	assert_int_equal(ec.rep->uri[0], '\0');
	free(out);
	free(err);
	fclose(ec.show.fp);
	close(ec.src.fd);
	proto_wipe_req(&f.req[0]);
	proto_wipe_req(&f.req[1]);
	free(ec.rep);
}

static void
test_otp_enroll_refusals(void **state)
{
	static const char *const badc[] = { "12345a", "12345", "123456789",
		"", "12 3456", "abcdef" };
	static const int ok[2] = { PW_OK, PW_OK };
	char in[64];
	size_t i;

	(void)state;
	/* A code that is not 6 to 8 digits: exit 2, no second request. */
	for (i = 0; i < sizeof(badc) / sizeof(badc[0]); i++) {
		snprintf(in, sizeof(in), "Confirm-pw1\n%s\n", badc[i]);
		check_enroll(in, ok, PW_OK, CLI_EXIT_USAGE, 1,
		    "pwadmin: the one-time password must be 6 to 8 digits\n",
		    TEST_URI "\n");
	}
	/* Standard input ends before the code. */
	check_enroll("Confirm-pw1\n", ok, PW_OK, CLI_EXIT_USAGE, 1,
	    "pwadmin: standard input ended before the one-time password was "
	    "read\n", TEST_URI "\n");
	/* ... or before the confirmation password: nothing sent. */
	check_enroll("", ok, PW_OK, CLI_EXIT_USAGE, 0,
	    "pwadmin: standard input ended before your confirmation "
	    "password was read\n", "");
	/* A wrong confirmation password: the daemon's line, no URI. */
	check_enroll("wrong\n123456\n", (const int[2]){ PW_ERR_CONFIRM, 0 },
	    PW_OK, CLI_EXIT_REFUSED, 1,
	    "pwadmin: Only masters and admins may do this.\n", "");
	/* A wrong activation code: the daemon's line, exit 1. */
	check_enroll("Confirm-pw1\n654321\n", (const int[2]){ PW_OK,
	    PW_ERR_AUTH }, PW_OK, CLI_EXIT_REFUSED, 2,
	    "pwadmin: Only masters and admins may do this.\n", TEST_URI "\n");
	/* The daemon cannot be reached: exit 3. */
	check_enroll("Confirm-pw1\n123456\n", ok, PW_ERR_CONNECT,
	    CLI_EXIT_UNREACHABLE, 1, "pwadmin: cannot reach pwadmind at "
	    "/run/test.sock: daemon unreachable\n", "");
}

static void
test_otp_enroll_uri(void **state)
{
	struct enroll_case ec;
	struct fake_otp f;
	char *err, *out, *p;
	int lines;
	QRcode *qr;

	(void)state;
	/* A success without an otpauth://totp/ URI: not understood (3). */
	enroll_setup(&ec, &f);
	f.uri = "https://example.org/";
	ec.src.fd = FEED("Confirm-pw1\n123456\n");
	assert_non_null(ec.show.fp = tmpfile());
	err = capture_stderr(run_enroll, &ec);
	assert_int_equal(ec.ex, CLI_EXIT_UNREACHABLE);
	assert_int_equal(f.calls, 1);
	assert_string_equal(err, "pwadmin: cannot reach pwadmind at "
	    "/run/test.sock: malformed message\n");
	free(err);
	out = slurp(ec.show.fp);
	assert_string_equal(out, "");
	free(out);
	fclose(ec.show.fp);
	close(ec.src.fd);
	free(ec.rep);

	/* On a terminal: the URI line, then its QR code. */
	enroll_setup(&ec, &f);
	ec.src.fd = FEED("Confirm-pw1\n12345678\n");
	assert_non_null(ec.show.fp = tmpfile());
	ec.show.qr = true;
	err = capture_stderr(run_enroll, &ec);
	assert_int_equal(ec.ex, CLI_EXIT_OK);
	assert_string_equal(err, "");
	assert_secret(&f.req[1].secret[0], "12345678");
	free(err);
	out = slurp(ec.show.fp);
	assert_memory_equal(out, TEST_URI "\n", strlen(TEST_URI) + 1);
	check_qr(out + strlen(TEST_URI) + 1, TEST_URI, false);
	assert_non_null(qr = QRcode_encodeString(TEST_URI, 0, QR_ECLEVEL_L,
	    QR_MODE_8, 1));
	for (lines = 0, p = out; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	assert_int_equal(lines, 1 + (qr->width + 2 * OTP_QUIET + 1) / 2);
	QRcode_free(qr);
	free(out);
	fclose(ec.show.fp);
	close(ec.src.fd);
	proto_wipe_req(&f.req[0]);
	proto_wipe_req(&f.req[1]);
	free(ec.rep);
}

/* One otp unlock or otp remove: parsed words, --stdin, a fake daemon. */
struct admin_case {
	struct call call;
	struct prompt_src src;
	struct pw_request req;
	struct pw_reply *rep;
	bool root;
	int ex;
};

static void
run_admin(void *arg)
{
	struct admin_case *ac = arg;

	ac->ex = admin_send(&ac->call, &ac->src, ac->root, &ac->req, ac->rep);
}

/*
 * Sends the request of `c' as root or not, the fake daemon answering
 * `status'; returns what stderr got (the caller frees).
 */
static char *
send_otp_admin(const struct cli *c, bool root, const char *in, int status,
    struct fake_otp *f, struct admin_case *ac)
{
	memset(f, 0, sizeof(*f));
	f->status[0] = status;
	memset(ac, 0, sizeof(*ac));
	assert_non_null(ac->rep = calloc(1, sizeof(*ac->rep)));
	call_init(&ac->call, "/run/test.sock");
	ac->call.fn = fake_otp;
	ac->call.arg = f;
	ac->src.use_stdin = true;
	ac->src.fd = feed(in, strlen(in));
	ac->root = root;
	assert_int_equal(otp_admin_req(c, &ac->req), PW_OK);
	return capture_stderr(run_admin, ac);
}

/* The rest of the input, one line: what was not read. */
static void
assert_left(int fd, const char *want)
{
	char buf[64];
	size_t n;

	assert_int_equal(prompt_read_line(fd, buf, sizeof(buf), &n), PW_OK);
	assert_string_equal(buf, want);
	close(fd);
}

static void
test_otp_admin(void **state)
{
	struct admin_case ac;
	struct fake_otp f;
	struct pw_request req;
	char *buf = NULL, *err;
	size_t len = 0;
	struct cli c;
	FILE *fp;

	(void)state;
	/* otp unlock by an admin: targets, the actor's confirmation in [0]. */
	assert_int_equal(PARSE(&c, "otp", "unlock", "bob", "carol"), PW_OK);
	err = send_otp_admin(&c, false, "Actor-pw3\nnot-read\n", PW_OK, &f,
	    &ac);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(ac.ex, CLI_EXIT_OK);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.req[0].type, PW_REQ_OTP_UNLOCK);
	assert_int_equal(f.req[0].flags, 0);
	assert_int_equal(f.req[0].ntargets, 2);
	assert_string_equal(f.req[0].targets[0], "bob");
	assert_string_equal(f.req[0].targets[1], "carol");
	assert_string_equal(f.req[0].user, "");
	assert_int_equal(f.req[0].nsecrets, 1);
	assert_secret(&f.req[0].secret[0], "Actor-pw3");
	/* The request's secrets are wiped after the call. */
	assert_int_equal(ac.req.secret[0].len, 0);
	assert_int_equal(ac.req.secret[0].buf[0], '\0');
	assert_left(ac.src.fd, "not-read");
	/* the accounts after the change */
	assert_non_null(fp = open_memstream(&buf, &len));
	assert_int_equal(output_otp_text(fp, ac.rep->accts, ac.rep->naccts),
	    PW_OK);
	assert_string_equal(captured(fp, &buf),
	    "bob: otp available\ncarol: otp available\n");
	free(buf);
	proto_wipe_req(&f.req[0]);
	free(ac.rep);

	/* otp unlock --all by root: ALL, no target, nothing read. */
	assert_int_equal(PARSE(&c, "otp", "unlock", "--all"), PW_OK);
	err = send_otp_admin(&c, true, "not-read\n", PW_OK, &f, &ac);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(ac.ex, CLI_EXIT_OK);
	assert_int_equal(f.req[0].type, PW_REQ_OTP_UNLOCK);
	assert_int_equal(f.req[0].flags, PW_F_ALL);
	assert_int_equal(f.req[0].ntargets, 0);
	assert_int_equal(f.req[0].nsecrets, 1);
	assert_secret(&f.req[0].secret[0], "");
	assert_left(ac.src.fd, "not-read");
	free(ac.rep);

	/* otp remove by an admin: the user, the actor's confirmation. */
	assert_int_equal(PARSE(&c, "otp", "remove", "bob"), PW_OK);
	err = send_otp_admin(&c, false, "Actor-pw3\nnot-read\n", PW_OK, &f,
	    &ac);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(ac.ex, CLI_EXIT_OK);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.req[0].type, PW_REQ_OTP_REMOVE);
	assert_int_equal(f.req[0].flags, 0);
	assert_string_equal(f.req[0].user, "bob");
	assert_int_equal(f.req[0].ntargets, 0);
	assert_int_equal(f.req[0].nsecrets, 1);
	assert_secret(&f.req[0].secret[0], "Actor-pw3");
	assert_left(ac.src.fd, "not-read");
	proto_wipe_req(&f.req[0]);
	free(ac.rep);

	/* ... by root: nothing read, the slot empty. */
	err = send_otp_admin(&c, true, "not-read\n", PW_OK, &f, &ac);
	assert_string_equal(err, "");
	free(err);
	assert_int_equal(ac.ex, CLI_EXIT_OK);
	assert_string_equal(f.req[0].user, "bob");
	assert_secret(&f.req[0].secret[0], "");
	assert_left(ac.src.fd, "not-read");
	free(ac.rep);

	/* A refusal: the daemon's line, exit 1. */
	err = send_otp_admin(&c, false, "wrong\n", PW_ERR_CONFIRM, &f, &ac);
	assert_int_equal(ac.ex, CLI_EXIT_REFUSED);
	assert_int_equal(f.calls, 1);
	assert_string_equal(err, "pwadmin: Only masters and admins may do this.\n");
	free(err);
	close(ac.src.fd);
	proto_wipe_req(&f.req[0]);
	free(ac.rep);

	/* The actor's confirmation cannot be read: nothing sent (2). */
	err = send_otp_admin(&c, false, "", PW_OK, &f, &ac);
	assert_int_equal(ac.ex, CLI_EXIT_USAGE);
	assert_int_equal(f.calls, 0);
	assert_string_equal(err, "pwadmin: standard input ended before your "
	    "confirmation password was read\n");
	free(err);
	close(ac.src.fd);
	free(ac.rep);

	/* Only the otp admin commands build such a request. */
	assert_int_equal(PARSE(&c, "otp", "enroll"), PW_OK);
	assert_int_equal(otp_admin_req(&c, &req), PW_ERR_INVAL);
	assert_int_equal(PARSE(&c, "unlock", "bob"), PW_OK);
	assert_int_equal(otp_admin_req(&c, &req), PW_ERR_INVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_otp_code_valid),
		cmocka_unit_test(test_otp_text),
		cmocka_unit_test(test_qr_print),
		cmocka_unit_test(test_otp_enroll_order),
		cmocka_unit_test(test_otp_enroll_refusals),
		cmocka_unit_test(test_otp_enroll_uri),
		cmocka_unit_test(test_otp_admin),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
