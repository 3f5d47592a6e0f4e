/* SPDX-License-Identifier: MIT */
/*
 * pwadmin output: one account, a table, counters, audit entries, as text
 * or as JSON built with jansson (never by hand); the reset summary; the
 * one-line refusal on stderr.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "cli.h"
#include "i18n.h"
#include "output.h"
#include "pwerr.h"
#include "util.h"

#define DATE_LAST 253402300799LL /* 9999-12-31T23:59:59Z */
#define NCOLS	  8		 /* columns of the list table */

_Static_assert(sizeof(json_int_t) >= sizeof(int64_t), "json_int_t too small");

/* The words of one account, shared by the text and JSON forms. */
struct words {
	const char *role, *login, *confirm, *service, *otp, *must;
	char login_exp[OUTPUT_DATE_MAX];   /* "" = never */
	char confirm_exp[OUTPUT_DATE_MAX]; /* "" = never */
	char fail[3 * 11 + 3];		   /* "1/0/0" */
};

static const char *const must_words[] = { "-", "login", "confirm",
	"login,confirm" };

int
output_time(int64_t t, char *buf, size_t bufsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (bufsz > 0)
		buf[0] = '\0';
	if (t < 0 || t > DATE_LAST || bufsz < OUTPUT_TIME_MAX ||
	    gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%SZ", &tm) !=
	    OUTPUT_TIME_MAX - 1) {
		if (bufsz > 0)
			buf[0] = '\0';
		return PW_ERR_INVAL;
	}
	return PW_OK;
}

int
output_date(int64_t t, char *buf, size_t bufsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (bufsz > 0)
		buf[0] = '\0';
	if (t <= 0 || t > DATE_LAST || bufsz < OUTPUT_DATE_MAX ||
	    gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, bufsz, "%Y-%m-%d", &tm) != OUTPUT_DATE_MAX - 1)
		return PW_ERR_INVAL;
	return PW_OK;
}

/* An expiry: "" for 0 (never), else a date; PW_ERR_PROTO out of range. */
static int
expiry(int64_t t, char *buf, size_t bufsz)
{
	if (t == 0) {
		buf[0] = '\0';
		return PW_OK;
	}
	return output_date(t, buf, bufsz) == PW_OK ? PW_OK : PW_ERR_PROTO;
}

/* The OTP state as a word (pwadmin(1)); a value past the known ones: none. */
static const char *
otp_word(uint8_t otp)
{
	static const char *const word[] = { "none", "available", "locked" };

	return otp <= PW_OTP_LOCKED ? word[otp] : "none";
}

static int
words_of(const struct pw_account *a, struct words *w)
{
	int r;

	memset(w, 0, sizeof(*w));
	w->role = proto_role_name(a->role);
	w->login = a->login_locked ? "locked" : "available";
	w->confirm = a->confirm_locked ? "locked" : "available";
	w->service = a->suspended ? "suspended" : "available";
	w->otp = otp_word(a->otp);
	w->must = must_words[a->must_change &
	    (PW_MUST_LOGIN | PW_MUST_CONFIRM)];
	(void)snprintf(w->fail, sizeof(w->fail), "%" PRIu32 "/%" PRIu32
	    "/%" PRIu32, a->login_failures, a->confirm_failures,
	    a->otp_failures);
	if ((r = expiry(a->login_expires, w->login_exp,
	    sizeof(w->login_exp))) != PW_OK ||
	    (r = expiry(a->confirm_expires, w->confirm_exp,
	    sizeof(w->confirm_exp))) != PW_OK)
		return r;
	return PW_OK;
}

static json_t *
date_json(const char *date)
{
	return date[0] == '\0' ? json_null() : json_string(date);
}

static json_t *
must_json(uint8_t must)
{
	json_t *arr;

	if ((arr = json_array()) == NULL)
		return NULL;
	if (((must & PW_MUST_LOGIN) &&
	    json_array_append_new(arr, json_string("login")) != 0) ||
	    ((must & PW_MUST_CONFIRM) &&
	    json_array_append_new(arr, json_string("confirm")) != 0)) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

int
output_account_json(const struct pw_account *a, json_t **out)
{
	struct words w;
	json_t *o;
	int r;

	*out = NULL;
	if ((r = words_of(a, &w)) != PW_OK)
		return r;
	/* json_object_set_new() takes the value, also a NULL or on failure. */
	if ((o = json_object()) == NULL ||
	    json_object_set_new(o, "name", json_string(a->name)) != 0 ||
	    json_object_set_new(o, "role", json_string(w.role)) != 0 ||
	    json_object_set_new(o, "login", json_string(w.login)) != 0 ||
	    json_object_set_new(o, "confirm", json_string(w.confirm)) != 0 ||
	    json_object_set_new(o, "service", json_string(w.service)) != 0 ||
	    json_object_set_new(o, "otp", json_string(w.otp)) != 0 ||
	    json_object_set_new(o, "must_change",
	    must_json(a->must_change)) != 0 ||
	    json_object_set_new(o, "login_expires",
	    date_json(w.login_exp)) != 0 ||
	    json_object_set_new(o, "confirm_expires",
	    date_json(w.confirm_exp)) != 0 ||
	    json_object_set_new(o, "login_failures",
	    json_integer(a->login_failures)) != 0 ||
	    json_object_set_new(o, "confirm_failures",
	    json_integer(a->confirm_failures)) != 0 ||
	    json_object_set_new(o, "otp_failures",
	    json_integer(a->otp_failures)) != 0 ||
	    json_object_set_new(o, "login_imported",
	    json_boolean(a->login_imported)) != 0) {
		json_decref(o);
		return PW_ERR_NOMEM;
	}
	*out = o;
	return PW_OK;
}

/*
 * {key: [one(item 0), one(item 1), ...]} for n items of `size' bytes each;
 * *out is NULL unless PW_OK.
 */
static int
json_list(const char *key, const void *items, size_t n, size_t size,
    int (*one)(const void *item, json_t **o), json_t **out)
{
	json_t *doc = NULL, *arr = NULL, *o = NULL;
	size_t i;
	int r = PW_ERR_NOMEM;

	*out = NULL;
	if ((doc = json_object()) == NULL || (arr = json_array()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if ((r = one((const char *)items + i * size, &o)) != PW_OK)
			goto out;
		if (json_array_append_new(arr, o) != 0) {
			r = PW_ERR_NOMEM;
			goto out;
		}
	}
	r = json_object_set(doc, key, arr) == 0 ? PW_OK : PW_ERR_NOMEM;
out:
	json_decref(arr);
	if (r == PW_OK)
		*out = doc;
	else
		json_decref(doc);
	return r;
}

static int
one_account(const void *item, json_t **o)
{
	return output_account_json(item, o);
}

int
output_accounts_json(const struct pw_account *a, size_t n, json_t **out)
{
	return json_list("accounts", a, n, sizeof(*a), one_account, out);
}

/* The name of counter i: proto_stat_name(), else "counter_I" in buf. */
static const char *
stat_name(size_t i, char *buf, size_t bufsz)
{
	const char *name;

	if ((name = proto_stat_name((unsigned)i)) != NULL)
		return name;
	(void)snprintf(buf, bufsz, "counter_%zu", i);
	return buf;
}

int
output_stats_json(const uint64_t *v, size_t n, json_t **out)
{
	json_t *doc = NULL, *ctr = NULL;
	const char *name;
	char nbuf[32];
	size_t i;
	int r = PW_ERR_NOMEM;

	*out = NULL;
	if ((doc = json_object()) == NULL || (ctr = json_object()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if (v[i] > (uint64_t)INT64_MAX) {
			r = PW_ERR_PROTO;
			goto out;
		}
		name = stat_name(i, nbuf, sizeof(nbuf));
		if (json_object_set_new(ctr, name,
		    json_integer((json_int_t)v[i])) != 0)
			goto out;
	}
	r = json_object_set(doc, "counters", ctr) == 0 ? PW_OK : PW_ERR_NOMEM;
out:
	json_decref(ctr);
	if (r == PW_OK)
		*out = doc;
	else
		json_decref(doc);
	return r;
}

int
output_json(FILE *fp, const json_t *doc)
{
	if (json_dumpf(doc, fp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 ||
	    fputc('\n', fp) == EOF || ferror(fp))
		return PW_ERR_IO;
	return PW_OK;
}

/*
 * A state word of the text forms in the locale's language.  The words are
 * the JSON values (pwadmin(1)); each is looked up as itself, so one word
 * has one translation wherever it stands.
 */
const char *
output_word(const char *word)
{
	static const char *const known[] = { N_("available"), N_("locked"),
		N_("suspended"), N_("none"), N_("never"), N_("user"),
		N_("admin"), N_("master"), N_("login"), N_("confirm"),
		N_("login,confirm"), N_("-") };
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(word, known[i]) == 0)
			return _(known[i]);
	return word;
}

int
output_account_text(FILE *fp, const struct pw_account *a)
{
	struct words w;
	int r;

	if ((r = words_of(a, &w)) != PW_OK)
		return r;
	/* TRANSLATORS: the lines of `pwadmin status'; the keys are the JSON
	 * field names in English. */
	fprintf(fp, _("name: %s\n"), a->name);
	fprintf(fp, _("role: %s\n"), output_word(w.role));
	fprintf(fp, _("login: %s\n"), output_word(w.login));
	fprintf(fp, _("confirm: %s\n"), output_word(w.confirm));
	fprintf(fp, _("service: %s\n"), output_word(w.service));
	fprintf(fp, _("otp: %s\n"), output_word(w.otp));
	fprintf(fp, _("must_change: %s\n"),
	    output_word(a->must_change != 0 ? w.must : "none"));
	fprintf(fp, _("login_expires: %s\n"), w.login_exp[0] != '\0' ?
	    w.login_exp : output_word("never"));
	fprintf(fp, _("confirm_expires: %s\n"), w.confirm_exp[0] != '\0' ?
	    w.confirm_exp : output_word("never"));
	fprintf(fp, _("login_failures: %u\n"), (unsigned)a->login_failures);
	fprintf(fp, _("confirm_failures: %u\n"),
	    (unsigned)a->confirm_failures);
	fprintf(fp, _("otp_failures: %u\n"), (unsigned)a->otp_failures);
	/* only for an account brought in by pwadmin import, until its
	 * first login replaces the Unix hash */
	if (a->login_imported)
		fprintf(fp, _("login_imported: yes (the Unix password hash, "
		    "until the next login)\n"));
	return ferror(fp) ? PW_ERR_IO : PW_OK;
}

static void
row_of(const struct pw_account *a, const struct words *w,
    const char *col[NCOLS])
{
	col[0] = a->name;
	col[1] = output_word(w->role);
	col[2] = output_word(w->login);
	col[3] = output_word(w->confirm);
	col[4] = output_word(w->service);
	col[5] = output_word(w->otp);
	col[6] = output_word(w->must);
	col[7] = w->fail;
}

/* Columns of text on a terminal: wide characters (Japanese) take two. */
static int
text_width(const char *s)
{
	wchar_t wbuf[PW_WORDS_MAX];
	size_t n = mbstowcs(wbuf, s, PW_WORDS_MAX);
	int w;

	if (n == (size_t)-1 || n >= PW_WORDS_MAX ||
	    (w = wcswidth(wbuf, n)) < 0)
		return (int)strlen(s);
	return w;
}

static void
print_row(FILE *fp, const int width[NCOLS], const char *const col[NCOLS])
{
	size_t c;

	for (c = 0; c < NCOLS - 1; c++)
		fprintf(fp, "%s%*s  ", col[c], width[c] - text_width(col[c]),
		    "");
	fprintf(fp, "%s\n", col[c]);
}

int
output_list_text(FILE *fp, const struct pw_account *a, size_t n)
{
	/* TRANSLATORS: the column heads of `pwadmin list'. */
	const char *const head[NCOLS] = { _("NAME"), _("ROLE"), _("LOGIN"),
		_("CONFIRM"), _("SERVICE"), _("OTP"), _("MUST-CHANGE"),
		_("FAILURES") };
	const char *col[NCOLS];
	struct words w;
	int width[NCOLS], r;
	size_t i, c;

	for (c = 0; c < NCOLS; c++)
		width[c] = text_width(head[c]);
	for (i = 0; i < n; i++) {
		if ((r = words_of(&a[i], &w)) != PW_OK)
			return r;
		row_of(&a[i], &w, col);
		for (c = 0; c < NCOLS; c++)
			if (text_width(col[c]) > width[c])
				width[c] = text_width(col[c]);
	}
	if (n == 0)
		fputs(_("No accounts.\n"), fp);
	else
		print_row(fp, width, head);
	for (i = 0; i < n; i++) {
		(void)words_of(&a[i], &w); /* checked above */
		row_of(&a[i], &w, col);
		print_row(fp, width, col);
	}
	return ferror(fp) ? PW_ERR_IO : PW_OK;
}

int
output_changed_text(FILE *fp, const struct pw_account *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(fp, _("%s: login %s, confirm %s, service %s\n"),
		    a[i].name,
		    output_word(a[i].login_locked ? "locked" : "available"),
		    output_word(a[i].confirm_locked ? "locked" : "available"),
		    output_word(a[i].suspended ? "suspended" : "available"));
	return ferror(fp) ? PW_ERR_IO : PW_OK;
}

int
output_otp_text(FILE *fp, const struct pw_account *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(fp, _("%s: otp %s\n"), a[i].name,
		    output_word(otp_word(a[i].otp)));
	return ferror(fp) ? PW_ERR_IO : PW_OK;
}

int
output_role_text(FILE *fp, const struct pw_account *a)
{
	fprintf(fp, _("%s: role %s\n"), a->name,
	    output_word(proto_role_name(a->role)));
	return ferror(fp) ? PW_ERR_IO : PW_OK;
}

int
output_stats_text(FILE *fp, const uint64_t *v, size_t n)
{
	const char *name;
	char nbuf[32];
	int width = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		name = stat_name(i, nbuf, sizeof(nbuf));
		if ((int)strlen(name) > width)
			width = (int)strlen(name);
	}
	for (i = 0; i < n; i++)
		fprintf(fp, "%-*s  %" PRIu64 "\n", width,
		    stat_name(i, nbuf, sizeof(nbuf)), v[i]);
	return ferror(fp) ? PW_ERR_IO : PW_OK;
}

/* Bytes of the UTF-8 sequence that starts with c (1 for ASCII). */
static size_t
seq_len(unsigned char c)
{
	if (c >= 0xf0)
		return 4;
	if (c >= 0xe0)
		return 3;
	return c >= 0xc0 ? 2 : 1;
}

void
output_sanitize(char *dst, size_t dstsz, const char *s)
{
	bool utf8 = pw_utf8_printable(s);
	size_t i = 0, n = 0, k;
	unsigned char c;

	if (dstsz == 0)
		return;
	while (s[i] != '\0') {
		c = (unsigned char)s[i];
		k = utf8 ? seq_len(c) : 1;
		if (n + k >= dstsz)
			break;
		if (utf8)
			memcpy(dst + n, s + i, k);
		else
			dst[n] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
		n += k;
		i += k;
	}
	dst[n] = '\0';
}

int
output_refusal(FILE *fp, const char *socket, int status,
    const struct pw_why *why)
{
	char buf[PW_WORDS_MAX], words[PW_WORDS_MAX];
	int ex = cli_exit_code(status);

	if (ex == CLI_EXIT_OK)
		return ex;
	if (why != NULL)
		(void)pw_words(status, why, words, sizeof(words));
	if (ex == CLI_EXIT_UNREACHABLE && (why == NULL || words[0] == '\0')) {
		output_sanitize(buf, sizeof(buf), socket);
		fprintf(fp, "pwadmin: ");
		fprintf(fp, _("cannot reach pwadmind at %s: %s"), buf,
		    _(pw_strerror(status)));
		fputc('\n', fp);
	} else if (why != NULL && words[0] != '\0') {
		output_sanitize(buf, sizeof(buf), words);
		fprintf(fp, "pwadmin: %s\n", buf);
	} else
		fprintf(fp, "pwadmin: %s\n", _(pw_strerror(status)));
	return ex;
}

const char *
output_words_en(int status, const struct pw_why *why, char *buf,
    size_t bufsz)
{
	int missing;
	locale_t c = pw_lang_open("C", &missing), old = pw_lang_enter(c);

	(void)pw_words(status, why, buf, bufsz);
	pw_lang_leave(c, old);
	pw_lang_close(c);
	return buf;
}

void
output_error(const char *fmt, ...)
{
	va_list ap;

	fputs("pwadmin: ", stderr);
	va_start(ap, fmt);
	(void)vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- the reset summary ---- */

bool
output_colour(bool tty, const char *no_color, const char *term)
{
	if (!tty || (no_color != NULL && no_color[0] != '\0'))
		return false;
	return term != NULL && term[0] != '\0' && strcmp(term, "dumb") != 0;
}

/*
 * One line of the summary.  Changed: bold on orange with colour, else
 * marked "* "; unchanged: indented "  " like the marked ones.
 */
static void __attribute__((format(printf, 4, 5)))
summary_line(FILE *fp, bool colour, bool changed, const char *fmt, ...)
{
	va_list ap;

	fputs(changed && !colour ? "* " : "  ", fp);
	if (changed && colour)
		fputs(OUTPUT_HIGHLIGHT, fp);
	va_start(ap, fmt);
	(void)vfprintf(fp, fmt, ap);
	va_end(ap);
	if (changed && colour)
		fputs(OUTPUT_NORMAL, fp);
	fputc('\n', fp);
}

static const char *
factors_of(uint32_t flags)
{
	switch (flags & (PW_F_LOGIN | PW_F_CONFIRM)) {
	case PW_F_LOGIN:
		return _("login");
	case PW_F_CONFIRM:
		return _("confirmation");
	default:
		return _("login, confirmation");
	}
}

int
output_reset_summary(FILE *fp, const struct pw_account *a, uint32_t flags,
    bool colour)
{
	bool login = flags & PW_F_LOGIN, confirm = flags & PW_F_CONFIRM;
	bool force = !(flags & PW_F_NO_FORCE);

	summary_line(fp, colour, false, _("account: %s (role %s)"), a->name,
	    output_word(proto_role_name(a->role)));
	summary_line(fp, colour, login, _("login password: %s"),
	    login ? _("new password") : _("unchanged"));
	summary_line(fp, colour, confirm, _("confirmation password: %s"),
	    confirm ? _("new password") : _("unchanged"));
	summary_line(fp, colour, force, _("must change at next login: %s"),
	    force ? factors_of(flags) : _("no"));
	if (a->login_locked)
		summary_line(fp, colour, false, _("note: the login password is "
		    "locked; reset does not unlock it (pwadmin unlock %s)"),
		    a->name);
	if (a->confirm_locked)
		summary_line(fp, colour, false, _("note: the confirmation "
		    "password is locked; reset does not unlock it (pwadmin "
		    "unlock %s)"), a->name);
	if (a->suspended)
		summary_line(fp, colour, false, _("note: the account is "
		    "suspended; reset does not resume it (pwadmin resume %s)"),
		    a->name);
	return ferror(fp) ? PW_ERR_IO : PW_OK;
}

int
output_reset_text(FILE *fp, const char *user, uint32_t flags)
{
	uint32_t f = flags & (PW_F_LOGIN | PW_F_CONFIRM);
	bool forced = !(flags & PW_F_NO_FORCE);

	if (f == PW_F_LOGIN)
		fprintf(fp, forced ? _("Reset the login password of %s; it must "
		    "be changed at next login.\n") : _("Reset the login "
		    "password of %s; it need not be changed at next login.\n"),
		    user);
	else if (f == PW_F_CONFIRM)
		fprintf(fp, forced ? _("Reset the confirmation password of %s; "
		    "it must be changed at next login.\n") : _("Reset the "
		    "confirmation password of %s; it need not be changed at "
		    "next login.\n"), user);
	else
		fprintf(fp, forced ? _("Reset the login and confirmation "
		    "passwords of %s; both must be changed at next login.\n") :
		    _("Reset the login and confirmation passwords of %s; "
		    "neither needs to be changed at next login.\n"), user);
	return ferror(fp) ? PW_ERR_IO : PW_OK;
}

int
output_passwd_text(FILE *fp, uint32_t flags)
{
	switch (flags & (PW_F_LOGIN | PW_F_CONFIRM)) {
	case PW_F_LOGIN:
		fputs(_("Changed your login password.\n"), fp);
		break;
	case PW_F_CONFIRM:
		fputs(_("Changed your confirmation password.\n"), fp);
		break;
	default:
		fputs(_("Changed your login and confirmation passwords.\n"),
		    fp);
		break;
	}
	return ferror(fp) ? PW_ERR_IO : PW_OK;
}

/* ---- audit entries ---- */

/* The words of one entry, shared by the text and JSON forms. */
struct audit_words {
	char time[OUTPUT_TIME_MAX];
	char hash[2 * PW_AUDIT_HASH + 1];
	const char *result; /* "ok", "refused" */
	const char *status; /* pw_strerror() */
};

static int
audit_words_of(const struct pw_audit *e, struct audit_words *w)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	memset(w, 0, sizeof(*w));
	if (output_time(e->time, w->time, sizeof(w->time)) != PW_OK ||
	    e->seq > (uint64_t)INT64_MAX)
		return PW_ERR_PROTO;
	for (i = 0; i < PW_AUDIT_HASH; i++) {
		w->hash[2 * i] = hex[e->hash[i] >> 4];
		w->hash[2 * i + 1] = hex[e->hash[i] & 0x0f];
	}
	w->result = e->status == PW_OK ? "ok" : "refused";
	w->status = pw_strerror(e->status);
	return PW_OK;
}

static void
audit_line(FILE *fp, const struct pw_audit *e, const struct audit_words *w)
{
	char actor[PW_ACTOR_MAX + 1], action[PW_ACTION_MAX + 1];
	char target[PW_USER_MAX + 1], detail[PW_DETAIL_MAX + 1];

	output_sanitize(actor, sizeof(actor), e->actor);
	output_sanitize(action, sizeof(action), e->action);
	output_sanitize(target, sizeof(target), e->target);
	output_sanitize(detail, sizeof(detail), e->detail);
	fprintf(fp, "%" PRIu64 "  %s  %s(uid %" PRIu32 ")%s%s  %s  %s  %s%s%s\n",
	    e->seq, w->time, actor, e->uid, e->host[0] != '\0' ? "@" : "",
	    e->host, action,
	    target[0] != '\0' ? target : "-",
	    e->status == PW_OK ? "ok" : w->status,
	    detail[0] != '\0' ? "  " : "", detail);
}

int
output_audit_text(FILE *fp, const struct pw_audit *e, size_t n)
{
	struct audit_words w;
	size_t i;
	int r;

	for (i = 0; i < n; i++)
		if ((r = audit_words_of(&e[i], &w)) != PW_OK)
			return r;
	if (n == 0)
		fputs(_("No audit entries.\n"), fp);
	for (i = 0; i < n; i++) {
		(void)audit_words_of(&e[i], &w); /* checked above */
		audit_line(fp, &e[i], &w);
	}
	return ferror(fp) ? PW_ERR_IO : PW_OK;
}

int
output_audit_entry_json(const struct pw_audit *e, json_t **out)
{
	struct audit_words w;
	json_t *o;
	int r;

	*out = NULL;
	if ((r = audit_words_of(e, &w)) != PW_OK)
		return r;
	if ((o = json_object()) == NULL ||
	    json_object_set_new(o, "seq",
	    json_integer((json_int_t)e->seq)) != 0 ||
	    json_object_set_new(o, "time", json_string(w.time)) != 0 ||
	    json_object_set_new(o, "uid", json_integer(e->uid)) != 0 ||
	    json_object_set_new(o, "actor", json_string(e->actor)) != 0 ||
	    json_object_set_new(o, "action", json_string(e->action)) != 0 ||
	    json_object_set_new(o, "target", e->target[0] != '\0' ?
	    json_string(e->target) : json_null()) != 0 ||
	    json_object_set_new(o, "result", json_string(w.result)) != 0 ||
	    json_object_set_new(o, "status", json_string(w.status)) != 0 ||
	    json_object_set_new(o, "detail", json_string(e->detail)) != 0 ||
	    json_object_set_new(o, "host", e->host[0] != '\0' ?
	    json_string(e->host) : json_null()) != 0 ||
	    json_object_set_new(o, "hash", json_string(w.hash)) != 0) {
		json_decref(o);
		return PW_ERR_NOMEM;
	}
	*out = o;
	return PW_OK;
}

static int
one_entry(const void *item, json_t **o)
{
	return output_audit_entry_json(item, o);
}

int
output_audit_json(const struct pw_audit *e, size_t n, json_t **out)
{
	return json_list("entries", e, n, sizeof(*e), one_entry, out);
}
