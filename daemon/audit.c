/* SPDX-License-Identifier: MIT */
/* Audit entries of the requests (rule 13): filled here, appended by the
 * store in the transaction of the change they record. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "actor.h"
#include "audit.h"
#include "log.h"
#include "policy.h"
#include "pwerr.h"
#include "store.h"
#include "words.h"

void
audit_fill(struct pw_audit *e, const struct hctx *h, const char *action,
    const char *target, int status, const char *fmt, ...)
{
	const char *actor = h->peer->root ? "root" : h->peer->name;
	va_list ap;

	memset(e, 0, sizeof(*e));
	e->time = (int64_t)time(NULL);
	e->uid = (uint32_t)h->peer->uid;
	e->status = status;
	memcpy(e->actor, actor, strnlen(actor, PW_ACTOR_MAX));
	memcpy(e->action, action, strnlen(action, PW_ACTION_MAX));
	memcpy(e->target, target, strnlen(target, PW_USER_MAX));
	va_start(ap, fmt);
	/* a detail is cut at PW_DETAIL_MAX, like a log line, never refused */
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
}

void
audit_refusal(const struct hctx *h, const char *action, const char *target,
    const struct pw_reply *rep)
{
	struct pw_audit e;
	int r;

	if (!h->peer->root && !h->confirm_tried)
		return;
	char words[PW_WORDS_MAX];

	/* the audit log is English, as every log is (the words of C) */
	if (pw_words(rep->status, &rep->why, words, sizeof(words))[0] == '\0')
		snprintf(words, sizeof(words), "%s", pw_strerror(rep->status));
	audit_fill(&e, h, action, target, rep->status, "refused: %s", words);
	if ((r = store_audit_append(h->st, &e)) != PW_OK)
		log_warnx("audit of a refused %s by %s not stored: %s", action,
		    actor_label(h), pw_strerror(r));
}
