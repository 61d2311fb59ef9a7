/*
 * listd/decide.h: the decision about one message, pure: a function of what
 * authentication found (auth.h), what the list knows of each signing key
 * (looked up by the caller), and the list's own key.  No gpg, no store, no
 * clock: every rule is a unit test away (tests/unit/test_decide.c).
 *
 * Only a good signature by the key of an active team member lets a post go
 * on; the From: header decides nothing.  A bad or looping signature spoils
 * a good one beside it.  The advisory keywords are read from the signed
 * text only.  What the embargo rules make of an advisory, replays and
 * reporters' threads are judged afterwards, against the store (process.c).
 */
#ifndef PDLIST_DECIDE_H
#define PDLIST_DECIDE_H

#include <stdbool.h>
#include <time.h>

#include "listd/auth.h"
#include "policy/keywords.h"
#include "policy/policy.h"

/* What the list knows of the key of one good signature. */
struct signer {
	bool		 member;	/* the key is a member's of the list */
	char		 address[ADDR_MAX + 1];
	enum pol_role	 role;
	bool		 active;
};

struct decision {
	bool		 distribute;
	enum hold_reason reason;	/* when held; HOLD_NONE otherwise */
	char		 text[600];	/* one line for the moderator */
	char		 signer[41];	/* the deciding signature's key */
	char		 signer_address[ADDR_MAX + 1];
	char		 reporter_signer[ADDR_MAX + 1];	/* a reporter's good
					   signature: its address */
	char		 tell[ADDR_MAX + 1];	/* held, with a good signature
					   by an active team member: whom to
					   tell why */
	time_t		 signed_at;	/* the deciding signature's time */
	char		 sig_id[KEYS_SIG_ID_MAX + 24];	/* the deciding
					   signature itself (replays):
					   gpg's SIG_ID, else "text:" and a
					   hash of the signed text */
	struct keywords	 kw;
	bool		 to_team;	/* a member's post, for the team only
					   (memberpost.h) */
};

/*
 * Decides about a, whose signature i (a->sigs.sig[i]) is by a key that
 * signers[i] describes (looked at only for KEYS_SIG_GOOD); list_fpr is the
 * list's own key.
 */
void	decide(const struct auth *a, const struct signer signers[KEYS_MAX_SIGS],
	    const char *list_fpr, struct decision *d);
/* A signature's id when gpg gave none: "text:" and a hash of the signed
   text, line ends aside. */
void	sig_text_id(const char *text, size_t len, char *out, size_t outlen);

#endif
