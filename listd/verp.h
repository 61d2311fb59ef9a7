/*
 * listd/verp.h: a return address per copy (VERP).  Each member's copy goes
 * out with the envelope sender LOCAL-bounces+TOKEN@DOMAIN, TOKEN naming
 * the copy: 10 characters that identify it, not secret (4 from a digest
 * of list and post, 6 from a digest of list, post and member), and 10 that
 * prove the list made it (an HMAC-SHA256 under the list's own secret over
 * the list and the first ten), all in lower-case base32, safe in a local
 * part.  A token made for another list, or guessed, does not verify (2^50
 * tries on average).
 *
 * So the copy is found without reading the ledger: the keys of the list's
 * posts give the post (20 bits: a post in a million shares its part), the
 * keys of that post's copies the member (30 bits), and one record is read.
 * (A token of the unreleased 0.1.0's earlier builds named the copy by one
 * digest of all three: it still verifies, names no copy, and its report
 * is kept for the admins.)
 *
 * The secret is 32 random bytes in the list's directory (verp.key, mode
 * 0600), made the first time it is needed.
 */
#ifndef PDLIST_VERP_H
#define PDLIST_VERP_H

#include <stdbool.h>

#include "common/util.h"
#include "listd/list.h"
#include "listd/record.h"

#define VERP_POST_LEN	4
#define VERP_MEMBER_LEN	6
#define VERP_ID_LEN	(VERP_POST_LEN + VERP_MEMBER_LEN)
#define VERP_TOKEN_LEN	20

/* The token of the copy of post to member on list (paths: list_paths()). */
int	verp_token(const struct list_paths *, const char *list,
	    const char *post, const char *member, char token[VERP_TOKEN_LEN + 1],
	    struct pd_err *err);

/*
 * Whether token was made by list: 1 yes, 0 no (forged, another list's,
 * malformed), -1 when the secret cannot be read (err).  The proof is
 * compared in constant time.
 */
int	verp_check(const struct list_paths *, const char *list,
	    const char *token, struct pd_err *err);

/*
 * The envelope sender of job j's copy of a post of kind: its own
 * LOCAL-bounces+TOKEN@DOMAIN for a copy of a post, the plain
 * LOCAL-bounces@DOMAIN for the list's notices and replies (and where the
 * VERP address would be too long).
 */
/*
 * Whether copies of a post of kind come back to an address of their own
 * (a member's copy of a post), not the list's plain bounce address (its
 * notices and auto-replies).
 */
bool	verp_per_copy(enum post_kind kind);
int	verp_sender(const char *datadir, enum post_kind kind,
	    const struct job *j, char out[ADDR_MAX + 1], struct pd_err *err);

/*
 * The copy in the ledger that a (verified: verp_check()) token of list
 * names, into *e: *m VERP_ONE; VERP_NONE when it names none, VERP_MANY
 * when it names more than one (members of one post whose parts agree: a
 * chance of one in 2^30 for each other member), and none is taken.  Reads
 * keys only: those of the list's posts and of the named post's copies.
 */
enum verp_match { VERP_NONE, VERP_ONE, VERP_MANY };
int	verp_find(struct store_txn *, const char *list, const char *token,
	    struct ledger_entry *e, enum verp_match *m, struct pd_err *err);

#endif
