/*
 * listd/notice.h: the list's own mail, queued and sent.
 *
 * Queued (the *_later functions) in the caller's transaction, because gpg
 * does not run inside one: a post of kind HELD_NOTICE or HELD_REVISION in
 * state NOTIFY, an auto-reply or a reject notice with its job.  Sent by
 * fan-out (notice_prepare(), notice_send()): encrypted to the people it is
 * for, each to its own key; when none has a usable key the notice is not
 * sent at all (never in plaintext), and that is recorded.
 */
#ifndef PDLIST_NOTICE_H
#define PDLIST_NOTICE_H

#include <stdbool.h>

#include "common/util.h"
#include "listd/encrypt.h"
#include "listd/list.h"
#include "listd/record.h"

/* ---- queued, in the caller's transaction ------------------------------ */

/*
 * A notice to the moderators and admins named id, with text and, when
 * sealed_subject is not "", the subject it stands for (sealed to the list's
 * key: opened only to write the encrypted notice).
 */
int	notice_moderators_later(struct store_txn *, const char *list,
	    const char *id, const char *text, const char *sealed_subject,
	    struct pd_err *err);

/* The moderators hear of held, a message just held. */
int	notice_held_later(struct store_txn *, const struct post *held,
	    struct pd_err *err);

/* The poster of post hears why its revision was held (why). */
int	notice_poster_later(struct store_txn *, const struct post *post,
	    const char *why, struct pd_err *err);

/*
 * RFC 3834: a non-member whose mail is held is told once that it waits for
 * a moderator, where l's policy says so: never a bounce, automatic, list
 * or bulk mail, a member, or the list itself, and at most once per sender
 * a day (remembered in the store).
 */
int	notice_auto_reply_later(struct store_txn *, const struct list *l,
	    const struct post *held, struct pd_err *err);

/*
 * The sender of held, a rejected message, hears the moderator's reason,
 * signed, in reply to it (In-Reply-To; its Subject where it came in clear).
 */
int	notice_reject_later(struct store_txn *, const struct post *held,
	    const char *sender, const char *reason, size_t *n,
	    struct pd_err *err);

/* ---- sent, by fan-out ---------------------------------------------------- */

/*
 * Tells l's admins (and with moderators its moderators), or with to that
 * one member, in a notice encrypted to them.  0 once it is queued, or
 * recorded as undeliverable (nobody with a usable key); -1 for temporary
 * trouble (the store, gpg), when the caller may try again.
 */
int	notice_send(struct list *, const char *to,
	    bool moderators, const char *subject, const char *text,
	    struct pd_err *err);
/* The same with message (mlen bytes) as a message/rfc822 part after text,
   inside the encryption (NULL: none, as notice_send()). */
int	notice_send_message(struct list *, const char *to, bool moderators,
	    const char *subject, const char *text, const char *message,
	    size_t mlen, struct pd_err *err);
/* The same to the admins, for work that cannot be tried again: temporary
   trouble is recorded as undeliverable too. */
void	notice_tell(struct list *, const char *subject,
	    const char *text);

/* The same to the admins and, with team, the team. */
void	notice_tell_team(struct list *, bool team, const char *subject,
	    const char *text);

/* Writes the notice that p (state NOTIFY) stands for; p's state moves on. */
int	notice_prepare(struct list *, struct post *p,
	    struct pd_err *err);

#endif
