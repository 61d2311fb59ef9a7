/* listd/headers.c: see headers.h. */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "listd/headers.h"

#define NEUTRAL_SUBJECT	"[...]"	/* a member's copy says nothing outside */

/* A notice of the list's own words to one person. */
static bool
notice_kind(enum post_kind k)
{
	return k == POST_NOTICE || k == POST_HELD_NOTICE ||
	    k == POST_HELD_REVISION || k == POST_DATE_NOTICE ||
	    k == POST_CVE_REMINDER;
}

void
copy_headers(const struct post *p, const struct job *j, struct copy_bufs *b,
    struct msg_copy *mc)
{
	bool reporter = p->kind == POST_REPORTER_COPY;
	bool reply = p->kind == POST_AUTO_REPLY ||
	    p->kind == POST_REJECT_NOTICE;
	const char *own = p->message_id, *subject = NEUTRAL_SUBJECT;
	/* The post and the recipient (NUL between): the same copy, the same
	   Message-ID, however often it is sent (a retry, after a crash). */
	unsigned long long h = fnv1a(fnv1a(FNV1A_INIT, p->id,
	    strlen(p->id) + 1), j->member, strlen(j->member));

	if (reporter && own[0] != '\0')
		snprintf(b->mid, sizeof b->mid, "%.*s", (int)strcspn(own +
		    (*own == '<'), ">"), own + (*own == '<'));
	else
		snprintf(b->mid, sizeof b->mid, "%s.%016llx@%s", p->id, h,
		    strrchr(j->list, '@') + 1);
	if (j->public && p->kind == POST_REJECT_NOTICE &&
	    p->subject_sealed[0] != '\0') {
		/* the rejected message's own Subject, opened to send */
		snprintf(b->subject, sizeof b->subject, "Rejected: %s",
		    p->subject);
		subject = b->subject;
	} else if (j->public)
		subject = p->subject;
	*mc = (struct msg_copy){
		.list = j->list,
		.to = notice_kind(p->kind) || reply || j->public ? j->member :
		    NULL,
		.subject = subject,
		.message_id = b->mid,
		/* members' encrypted copies name no other message outside */
		.in_reply_to = (j->public || reporter) && p->in_reply_to[0] ?
		    p->in_reply_to : NULL,
		.references = reporter && p->references[0] ? p->references :
		    reply && p->in_reply_to[0] ? p->in_reply_to : NULL,
		.auto_submitted = reply ? "auto-replied" :
		    notice_kind(p->kind) ? "auto-generated" : NULL,
		.precedence = !reply,
	};
}
