/*
 * listd/advisory.h: advisories in the store.  The rules are pure and live
 * in policy/embargo.h; this keeps their records: per advisory its state,
 * embargo, and every revision with what became of it.
 */
#ifndef PDLIST_ADVISORY_H
#define PDLIST_ADVISORY_H

#include <jansson.h>

#include "common/util.h"
#include "policy/keywords.h"
#include "listd/list.h"
#include "listd/record.h"
#include "listd/store.h"
#include "policy/embargo.h"

/* The advisory's record (a new reference, or NULL) and its facts. */
int	adv_get(struct store_txn *, const char *list, const char *id,
	    json_t **rec, struct adv_facts *facts, struct pd_err *err);

/*
 * Records one judged revision of the advisory in t: its state and embargo
 * afterwards and the revision with its post, action and reason.  rec is
 * the record adv_get() returned (or NULL for a new advisory); a new one is
 * made when needed.
 */
int	adv_put_revision(struct store_txn *, const char *list, json_t *rec,
	    const struct keywords *kw, const char *post,
	    const struct adv_decision *d, struct pd_err *err);

/* The keywords of a post as the rules take them. */
void	adv_post_from(const struct keywords *, struct adv_post *);

/* ---- a revision judged and applied (advjudge.c) ------------------------- */

/*
 * Judges post p (with keywords) of list l in t by the embargo rules and
 * applies the decision to p and the store: held (the poster is told why,
 * encrypted), delivered to the members, suppressed (recorded; the poster is
 * told), or published; a new date comes with a date notice to every member
 * in t; the revision is recorded.  approved: a moderator approved p, held
 * for its date under date-changes = hold; a decision that still holds it
 * is PD_REFUSED then, and nothing is changed.
 */
int	adv_judge_post(struct list *l, struct store_txn *t, struct post *p,
	    bool approved, struct pd_err *err);

/*
 * In t, a notice to every active member of l (reporters aside) that the
 * embargo of the advisory kw names moved from `from` to `to` (0: it was
 * released early); what says what became of the revision.  Encrypted to
 * each member and signed by the list when fan-out prepares it; it names
 * the advisory, the revision and the dates, no content.
 */
int	adv_date_notice_later(struct store_txn *, const struct list *l,
	    const struct keywords *kw, time_t from, time_t to, const char *what,
	    struct pd_err *err);

/*
 * In t, a notice with subject and text to l's admins and moderators,
 * encrypted to each and signed by the list when fan-out prepares it;
 * audited as about (an advisory).
 */
int	adv_tell_admins_later(struct store_txn *, const char *list,
	    const char *about, const char *subject, const char *text,
	    struct pd_err *err);

/*
 * require-cve = before-release: the team of each list is reminded, once
 * per date and encrypted, when an embargoed advisory that no revision gave
 * a CVE comes within cve-reminder of its date.  *n counts the reminders.
 */
int	adv_remind_due_all(struct store *, unsigned *n, struct pd_err *err);

/*
 * Releases advisory id of list now: its current revision goes to the
 * list's public addresses (signed in clear) and, where the policy copies
 * releases to members, to them; the advisory becomes public.  All in one
 * transaction, so a release happens exactly once.  why is recorded ("the
 * embargo date", "early release").  PD_REFUSED: no such advisory, or it is
 * not embargoed.
 */
int	adv_release_now(struct store *, const char *datadir, const char *list,
	    const char *id, const char *actor, const char *why,
	    struct pd_err *err);

/*
 * The records of every list's advisories that match at now (match is
 * given the record and now), in a new array *out.
 */
int	adv_scan(struct store *, bool (*match)(const json_t *, time_t),
	    json_t **out, struct pd_err *err);

/* Releases every advisory whose embargo date has come; *n counts them. */
int	adv_release_due_all(struct store *, const char *datadir, unsigned *n,
	    struct pd_err *err);

/*
 * In t, with a new member's addition: for every embargoed advisory of
 * list, a post that sends its current revision to member alone.  Being in
 * the transaction that adds the member, it happens once.  *n counts them.
 */
int	adv_backfill(struct store_txn *, const char *list, const char *member,
	    size_t *n, struct pd_err *err);

/*
 * In t, with a suspended member's resumption: the same, but only for the
 * embargoed advisories it missed.  It missed one when the latest revision
 * that went to the members was not decided before since (0, or when the
 * member joined where the policy does not backfill new members: what came
 * before was not its to have), and the member holds no copy of that
 * revision or a later one, neither sent (the ledger) nor on its way (a
 * job not yet sent, failed or skipped).  So a resumed member gets each
 * advisory it missed once, and none it got before its suspension.  *n
 * counts them.
 */
int	adv_catch_up(struct store_txn *, const char *list, const char *member,
	    time_t since, size_t *n, struct pd_err *err);

#endif
