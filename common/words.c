/* SPDX-License-Identifier: MIT */
/*
 * Reasons to sentences: the words for people, in one place (words.h), in
 * the calling thread's message locale (i18n.h).  Each sentence is whole
 * in the catalogue; only the names of the passwords, account names and
 * numbers are put into it.
 */
#include <stdio.h>

#include "i18n.h"
#include "pwerr.h"
#include "words.h"

/* The password a reason names, as it stands in a sentence. */
static const char *
factor_noun(uint8_t f)
{
	return f == 0 ? _("login password") : f == 1 ?
	    _("confirmation password") : _("one-time password");
}

/* The other password of an account. */
static const char *
other_noun(uint8_t f)
{
	return factor_noun(f == 0 ? 1 : 0);
}

/* "one of your last N passwords" of factor f (login or confirmation). */
static int
history_sentence(uint8_t f, unsigned n, char *buf, size_t sz)
{
	if (f == 0)
		return snprintf(buf, sz, pw_ntr("New login password refused: it "
		    "is your last login password.", "New login password "
		    "refused: it is one of your last %u login passwords.", n),
		    n);
	return snprintf(buf, sz, pw_ntr("New confirmation password refused: "
	    "it is your last confirmation password.", "New confirmation "
	    "password refused: it is one of your last %u confirmation "
	    "passwords.", n), n);
}

/* A sentence about one password (factor), with at most one number. */
static int
factor_sentence(const struct pw_why *w, char *buf, size_t sz)
{
	const char *f = factor_noun(w->factor);
	unsigned n = (unsigned)w->num;

	switch (w->code) {
	case PW_R_LOCKED:
		return snprintf(buf, sz, _("Your %s is locked after too many "
		    "failed attempts; a master or admin can unlock it."), f);
	case PW_R_MUST_CHANGE:
		return snprintf(buf, sz, _("Your %s must be changed now."), f);
	case PW_R_EXPIRED:
		return snprintf(buf, sz, _("Your %s has expired and must be "
		    "changed now."), f);
	case PW_R_EXPIRES_IN:
		return snprintf(buf, sz, pw_ntr("Your %s expires in %u day.",
		    "Your %s expires in %u days.", n), f, n);
	case PW_R_NOT_UTF8:
		return snprintf(buf, sz, _("The new %s must be printable UTF-8 "
		    "text."), f);
	case PW_R_Q_LENGTH:
		return snprintf(buf, sz, pw_ntr("New %s refused: The password "
		    "must have at least %u character.", "New %s refused: The "
		    "password must have at least %u characters.", n), f, n);
	case PW_R_Q_CLASSES:
		return snprintf(buf, sz, _("New %s refused: The password must "
		    "mix at least %u of lower case, upper case, digits and "
		    "other characters."), f, n);
	case PW_R_Q_USER_NAME:
		return snprintf(buf, sz, _("New %s refused: The password must "
		    "not contain the user name."), f);
	case PW_R_Q_SAME:
		return snprintf(buf, sz, _("New %s refused: The login and "
		    "confirmation passwords must differ."), f);
	case PW_R_Q_OTHER:
		return snprintf(buf, sz, _("New %s refused: it must differ from "
		    "the %s."), f, other_noun(w->factor));
	case PW_R_Q_HISTORY:
		return history_sentence(w->factor, n, buf, sz);
	case PW_R_WRONG_CURRENT:
		return snprintf(buf, sz, _("Wrong current %s (counted as a "
		    "failed attempt); if you forgot it, a master or admin can "
		    "reset it."), f);
	case PW_R_CHANGED_MEANWHILE:
		return snprintf(buf, sz, _("Your %s was changed meanwhile; "
		    "nothing was changed."), f);
	default:
		return -1;
	}
}

/* A sentence about an account (name) or a word of the protocol (text). */
static int
named_sentence(const struct pw_why *w, char *buf, size_t sz)
{
	const char *n = w->name, *t = w->text;

	switch (w->code) {
	case PW_R_NSS_SPELLING:
		return snprintf(buf, sz, _("The user database (NSS) spells %s as "
		    "%s; give the account that name."), n, t);
	case PW_R_NSS_UNNAMEABLE:
		return snprintf(buf, sz, _("The user database (NSS) spells %s "
		    "otherwise, as no account can be named."), n);
	case PW_R_NSS_FAILED:
		return snprintf(buf, sz, _("The user database (NSS) could not be "
		    "asked about %s; try again."), n);
	case PW_R_EXISTS:
		return snprintf(buf, sz, _("The account %s already exists."), n);
	case PW_R_NO_ACCOUNT:
		return snprintf(buf, sz, _("No account named %s."), n);
	case PW_R_NOT_UNIX:
		return snprintf(buf, sz, _("%s is not an account of this host's "
		    "user database (NSS); nothing was imported."), n);
	case PW_R_IMPORT_UNUSABLE:
		return snprintf(buf, sz, w->num == 0 ? _("%s has an empty Unix "
		    "password; nothing was imported.") : w->num == 1 ?
		    _("%s has a locked Unix password (\"!\"); nothing was "
		    "imported.") : _("%s has no usable Unix password (\"*\"); "
		    "nothing was imported."), n);
	case PW_R_IMPORT_SCHEME:
		return snprintf(buf, sz, _("The Unix password hash of %s (%s) is "
		    "of a scheme this host cannot verify; nothing was "
		    "imported."), n, t);
	case PW_R_IMPORT_COSTLY:
		return snprintf(buf, sz, _("The Unix password hash of %s (%s) "
		    "costs more memory or time than this daemon spends on a "
		    "password; nothing was imported (give the account new "
		    "passwords with useradd)."), n, t);
	case PW_R_IMPORT_UID0:
		return snprintf(buf, sz, _("%s has user ID 0: it keeps its Unix "
		    "password, root's way in while the daemon is down; nothing "
		    "was imported."), n);
	case PW_R_IMPORT_MALFORMED:
		return snprintf(buf, sz, _("The Unix password hash of %s (%s) is "
		    "not a whole hash of its scheme; nothing was imported."), n,
		    t);
	case PW_R_NO_ACCOUNT_UNCHANGED:
		return snprintf(buf, sz, _("No account named %s; nothing was "
		    "changed."), n);
	case PW_R_REFUSED_FOR:
		return snprintf(buf, sz, _("Refused for %s; nothing was changed."),
		    n);
	case PW_R_UNKNOWN_FLAG:
		return snprintf(buf, sz, _("Unknown flag for %s."), t);
	case PW_R_NAME_TARGETS:
		return snprintf(buf, sz, w->num != 0 ?
		    _("Name the accounts to %s, or --all.") :
		    _("Name the accounts to %s."), t);
	case PW_R_RESET_KEEPS_LOCK:
		return snprintf(buf, sz, _("Reset does not unlock: a locked "
		    "password stays locked; run pwadmin unlock %s."), n);
	case PW_R_RESET_KEEPS_SUSPENSION:
		return snprintf(buf, sz, _("Reset does not unlock: the account "
		    "stays suspended; run pwadmin resume %s."), n);
	default:
		return -1;
	}
}

/* The audit log's state (numbers of entries). */
static int
audit_sentence(const struct pw_why *w, char *buf, size_t sz)
{
	unsigned long long n = w->num, n2 = w->num2;

	switch (w->code) {
	case PW_R_AUDIT_OK:
		return snprintf(buf, sz, pw_ntr("The audit log verifies: %llu "
		    "entry; the last one's chain hash begins %s.", "The audit "
		    "log verifies: %llu entries; the last one's chain hash "
		    "begins %s.", (unsigned long)n), n, w->text);
	case PW_R_AUDIT_MISSING:
		return snprintf(buf, sz, _("Audit entry %llu is missing (removed "
		    "or renumbered)."), n);
	case PW_R_AUDIT_UNDECODABLE:
		return snprintf(buf, sz, _("Audit entry %llu does not decode "
		    "(altered)."), n);
	case PW_R_AUDIT_MISMATCH:
		return snprintf(buf, sz, _("Audit entry %llu does not match its "
		    "chain hash (altered, removed or reordered)."), n);
	case PW_R_AUDIT_UNREADABLE:
		return snprintf(buf, sz, _("The audit log cannot be read."));
	case PW_R_AUDIT_HEAD:
		return snprintf(buf, sz, _("The audit log ends at entry %llu but "
		    "its head names entry %llu (entries removed at the end, or "
		    "the head altered)."), n, n2);
	default:
		return -1;
	}
}

/* Sentences that depend on the status alone, or on nothing. */
static int
plain_sentence(int status, const struct pw_why *w, char *buf, size_t sz)
{
	const char *s = _(pw_strerror(status));

	switch (w->code) {
	case PW_R_STATUS:
		return snprintf(buf, sz, _("%s."), s);
	case PW_R_STATUS_UNCHANGED:
		return snprintf(buf, sz, _("%s; nothing was changed."), s);
	case PW_R_FAILED:
		return snprintf(buf, sz, _("The password service failed: %s."), s);
	case PW_R_MALFORMED:
		return snprintf(buf, sz, _("Malformed request: %s."), s);
	case PW_R_BACKUP_FAILED:
		return snprintf(buf, sz, _("The backup failed: %s."), s);
	case PW_R_BUSY:
		return snprintf(buf, sz, _("The password service is busy; try "
		    "again in a moment."));
	case PW_R_SUSPENDED:
		return snprintf(buf, sz, _("Your account is suspended; a master "
		    "or admin can resume it."));
	case PW_R_ACTOR_SUSPENDED:
		return snprintf(buf, sz, _("Your account is suspended."));
	case PW_R_NOT_YOURS:
		return snprintf(buf, sz, _("You may only authenticate your own "
		    "account."));
	case PW_R_NOT_YOURS_CHANGE:
		return snprintf(buf, sz, _("You may only change your own "
		    "passwords."));
	case PW_R_NO_ACTOR:
		return snprintf(buf, sz, _("Your user has no account in pwadmin."));
	case PW_R_ROOT_INIT:
		return snprintf(buf, sz, _("Only root can initialise the store."));
	case PW_R_NOT_EMPTY:
		return snprintf(buf, sz, _("The store already has accounts; init "
		    "only works on an empty store."));
	case PW_R_DENY:
		return snprintf(buf, sz, _("Only masters and admins may do this."));
	case PW_R_DENY_SELF:
		return snprintf(buf, sz, _("Nobody acts on their own account "
		    "through an admin command; use pwadmin passwd."));
	case PW_R_DENY_MASTER:
		return snprintf(buf, sz, _("An admin may not act on a master "
		    "account."));
	case PW_R_DENY_NOT_MASTER:
		return snprintf(buf, sz, _("Only masters may change roles."));
	case PW_R_CONFIRM_LOCKED:
		return snprintf(buf, sz, _("Your confirmation password is locked; "
		    "another master or admin (or root) must unlock it."));
	case PW_R_CONFIRM_WRONG:
		return snprintf(buf, sz, _("Wrong confirmation password."));
	case PW_R_ROOT_NO_ACCOUNT:
		return snprintf(buf, sz, _("root has no account; name one."));
	case PW_R_ROOT_STATS:
		return snprintf(buf, sz, _("Only root can read the daemon's "
		    "counters."));
	case PW_R_UNKNOWN_REQUEST:
		return snprintf(buf, sz, _("Unknown request."));
	case PW_R_FORCE_ROOT:
		return snprintf(buf, sz, _("Only root may use --force (it "
		    "overrides the last-master guard)."));
	case PW_R_LAST_MASTER:
		return snprintf(buf, sz, w->num != 0 ? _("That would leave "
		    "no master whose login and confirmation passwords are both "
		    "available; root can override this with --force.") :
		    _("That would leave no master whose login and confirmation "
		    "passwords are both available; only root can override "
		    "this, with --force."));
	case PW_R_NONE_LOCKED:
		return snprintf(buf, sz, _("No locked account to unlock."));
	case PW_R_MORE_CHANGED:
		return snprintf(buf, sz, pw_ntr("%llu more account was "
		    "changed.", "%llu more accounts were changed.",
		    (unsigned long)w->num), (unsigned long long)w->num);
	case PW_R_RESET_FLAGS:
		return snprintf(buf, sz, _("Reset needs the login and/or the "
		    "confirmation password, and only those."));
	case PW_R_ROOT_BACKUP:
		return snprintf(buf, sz, _("Only root can back up the store."));
	case PW_R_ROOT_IMPORT:
		return snprintf(buf, sz, _("Only root can import accounts."));
	case PW_R_BACKUP_NO_FILE:
		return snprintf(buf, sz, _("No file to write the backup into was "
		    "passed."));
	case PW_R_BACKUP_FILE:
		return snprintf(buf, sz, _("The backup file must be an empty "
		    "regular file open for writing, with no access for group or "
		    "others."));
	case PW_R_BACKUP_SHARED:
		return snprintf(buf, sz, _("The store is a PostgreSQL database "
		    "shared by several hosts; back it up with the database's own "
		    "tools (pg_dump, base backups)."));
	case PW_R_OTP_EXISTS:
		return snprintf(buf, sz, _("You already have a one-time password "
		    "token; a master or admin can remove it (pwadmin otp remove) "
		    "before you enrol again."));
	case PW_R_OTP_NOT_PENDING:
		return snprintf(buf, sz, _("No enrolment is waiting for a code; "
		    "start with pwadmin otp enroll."));
	case PW_R_OTP_WRONG_ACTIVATION:
		return snprintf(buf, sz, pw_ntr("Wrong one-time password; the "
		    "token is not active (after %llu wrong code, enrol again).",
		    "Wrong one-time password; the token is not active (after "
		    "%llu wrong codes, enrol again).", (unsigned long)w->num),
		    (unsigned long long)w->num);
	case PW_R_OTP_SELF:
		return snprintf(buf, sz, _("Only the account itself can enrol a "
		    "one-time password token."));
	case PW_R_OTP_NONE:
		return snprintf(buf, sz, _("This account has no one-time password "
		    "token."));
	case PW_R_PASSWD_FLAGS:
		return snprintf(buf, sz, _("A password change names the login "
		    "and/or the confirmation password, and only their secrets."));
	default:
		return -1;
	}
}

const char *
pw_words(int status, const struct pw_why *why, char *buf, size_t bufsz)
{
	if (bufsz == 0)
		return buf;
	buf[0] = '\0';
	if (why->code == PW_R_NONE || why->code > PW_R_MAX ||
	    (factor_sentence(why, buf, bufsz) < 0 &&
	    named_sentence(why, buf, bufsz) < 0 &&
	    audit_sentence(why, buf, bufsz) < 0 &&
	    plain_sentence(status, why, buf, bufsz) < 0))
		buf[0] = '\0';
	return buf;
}
