/*
 * listd/own.h: mail to a list's own addresses other than its post
 * address (route.h), as the processor (process.c) dispatches it: held for
 * the moderators and admins with a reason, or sent on to the admins
 * encrypted (LIST-owner@).  Like a post, each is recorded with its audit
 * entry and taken out of the inbox in one transaction; store and gpg
 * failures are temporary (the message stays in the inbox).
 */
#ifndef PDLIST_OWN_H
#define PDLIST_OWN_H

#include "common/util.h"
#include "listd/list.h"
#include "listd/record.h"

/* The decision about p, one log line (no subject, nothing signed). */
void	log_decision(const struct post *p);

/*
 * Message id as it came: its bytes in the store are sealed to the list's
 * key (inbox.h).  *raw is NULL when they are missing; the caller wipes it
 * with wipe_free().  A seal that does not open is PD_REFUSED.
 */
int	own_unseal(struct list *l, const char *id, char **raw, size_t *len,
	    struct pd_err *err);

/*
 * p's subject sealed to the list's key into p->subject_sealed, before the
 * decision's transaction (gpg does not run inside one): a held record
 * keeps only the sealed one.
 */
int	own_seal_subject(struct list *l, struct post *p, struct pd_err *err);

/*
 * Holds message in for l's moderators and admins with reason and why (one
 * line); they are told, nobody else is (no auto-reply: it may be a report).
 */
int	own_hold(struct list *l, const struct inbox_entry *in,
	    enum hold_reason reason, const char *why, struct pd_err *err);

/*
 * own_hold() without telling anyone: for reports about the list's own
 * notices, which would otherwise beget notices about themselves.
 */
int	own_keep(struct list *l, const struct inbox_entry *in,
	    enum hold_reason reason, const char *why, struct pd_err *err);

/*
 * Sends message in (to LIST-owner@, from anyone) on to l's active admins,
 * encrypted to each like any copy, as a post of kind OWNER_MAIL; with no
 * admin to send it to, it is held (HOLD_OWNER) instead.
 */
int	own_to_admins(struct list *l, const struct inbox_entry *in,
	    struct pd_err *err);

#endif
