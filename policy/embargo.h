/*
 * policy/embargo.h: the advisory lifecycle as pure decisions.
 *
 * An advisory (its Advisory: id) is embargoed or public.  Each revision the
 * team posts is judged against what the list knows of the advisory and the
 * list's policy, at time now: hold it (with the reason), deliver it to the
 * members, suppress it (recorded, not sent: an update during the embargo
 * under `updates = suppress`), or publish it (to the list's public
 * addresses, and to the members where the policy says so).  No I/O.
 */
#ifndef PDLIST_EMBARGO_H
#define PDLIST_EMBARGO_H

#include <stdbool.h>
#include <time.h>

#include "policy/policy.h"

enum adv_state {
	ADV_NEW,		/* the list has not seen this advisory */
	ADV_EMBARGOED,
	ADV_PUBLIC
};
const char *adv_state_name(enum adv_state);

/* What the list knows of the advisory before this revision. */
struct adv_facts {
	enum adv_state	 state;
	long		 last_revision;	/* 0 for ADV_NEW */
	time_t		 embargo;	/* ADV_EMBARGOED: when it ends */
	time_t		 clock_from;	/* ADV_EMBARGOED: what the limits
					   count from, the members' first
					   copy or the last restart (0: now) */
	unsigned	 restarts;	/* restarts of the clock so far */
	time_t		 members_embargo;	/* the last date the members
					   were sent (0: none recorded) */
	bool		 has_cve;	/* a revision so far carried a CVE */
	bool		 no_public;	/* the list has no public address */
};

/* The new revision's keywords (parsed from signed content only). */
struct adv_post {
	long		 revision;
	bool		 embargo_set;	/* an Embargo: line was given */
	bool		 embargo_none;	/* Embargo: none */
	time_t		 embargo;
	bool		 resend;	/* Resend: yes */
	bool		 extension;	/* Extension: <reason> was given */
	bool		 restart;	/* Restart: <reason> was given */
	bool		 has_cve;	/* a CVE: line was given */
	bool		 approved;	/* a moderator approved it (held for
					   its date under date-changes = hold) */
};

enum adv_action {
	ADV_HOLD,		/* nothing sent; reason says why */
	ADV_DELIVER,		/* to the members, encrypted */
	ADV_SUPPRESS,		/* recorded, not sent; the poster is told why */
	ADV_PUBLISH		/* to the public addresses (and members:
				   to_members) */
};
const char *adv_action_name(enum adv_action);

struct adv_decision {
	enum adv_action	 action;
	bool		 to_members;	/* members get an encrypted copy */
	bool		 to_public;	/* the public addresses get it signed */
	enum adv_state	 state;		/* the advisory's state afterwards */
	time_t		 embargo;	/* its embargo afterwards (EMBARGOED) */
	char		 reason[320];	/* HOLD/SUPPRESS: one line, what and
					   what to do; otherwise a remark or "" */
	/* the date members hold: never changed in silence */
	bool		 date_notice;	/* every member gets a notice that the
					   date moved from old_embargo (to
					   embargo; or, public, released) */
	time_t		 old_embargo;
	/* the limits */
	bool		 restarted;	/* the clock restarts now (Restart:) */
	time_t		 clock_from;	/* EMBARGOED: what the limits count
					   from afterwards */
	time_t		 cve_remind_at;	/* EMBARGOED, require-cve =
					   before-release and no CVE yet: when
					   the team is reminded; else 0 */
};

/* Judges one revision.  Pure. */
void	adv_judge(const struct policy *, const struct adv_facts *,
	    const struct adv_post *, time_t now, struct adv_decision *out);

/*
 * The release at the embargo date: whether an advisory in state facts is
 * due at now (its date and the last date the members were sent have both
 * come), and, released at now, who gets the current revision (public
 * addresses always, members when the policy copies releases to them; the
 * members get a date notice instead when it is early and they get no
 * copy).  A HOLD when the list has no public address (the reason says
 * what to do): nothing is released.
 */
bool	adv_release_due(const struct adv_facts *, time_t now);
void	adv_release(const struct policy *, const struct adv_facts *,
	    time_t now, struct adv_decision *out);

#endif
