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
};

/* The new revision's keywords (parsed from signed content only). */
struct adv_post {
	long		 revision;
	bool		 embargo_set;	/* an Embargo: line was given */
	bool		 embargo_none;	/* Embargo: none */
	time_t		 embargo;
	bool		 resend;	/* Resend: yes */
	bool		 extension;	/* Extension: <reason> was given */
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
	char		 reason[240];	/* HOLD/SUPPRESS: one line, what and
					   what to do; otherwise a remark or "" */
};

/* Judges one revision.  Pure. */
void	adv_judge(const struct policy *, const struct adv_facts *,
	    const struct adv_post *, time_t now, struct adv_decision *out);

/*
 * The release at the embargo date: whether an advisory in state facts is
 * due at now, and who gets the current revision (public addresses always,
 * members when the policy copies releases to them).
 */
bool	adv_release_due(const struct adv_facts *, time_t now);
void	adv_release(const struct policy *, struct adv_decision *out);

#endif
