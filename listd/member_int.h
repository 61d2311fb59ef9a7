/*
 * listd/member_int.h: what admin_member.c shares with the other member
 * operations (member_key.c).  Not for other modules.
 */
#ifndef PDLIST_MEMBER_INT_H
#define PDLIST_MEMBER_INT_H

#include <stdbool.h>
#include <time.h>

#include <jansson.h>

#include "listd/admin_int.h"
#include "policy/policy.h"

/* What member add (and member import) gathers about a candidate. */
struct candidate {
	char			 list[ADDR_MAX + 1];
	char			 address[ADDR_MAX + 1];
	char			 voucher[ADDR_MAX + 1];
	enum pol_role		 role;
	struct keyfacts		 key;
	char			 source[256];	/* a fetched key's URL */
	struct pol_candidate	 pc;
	struct pol_verdict	 verdict;
};

/* c (list already set) from o: address and voucher normalized, role. */
int	parse_candidate(const struct admin_member_opts *o,
	    struct candidate *c, struct pd_err *err);
/*
 * The standing of voucher on list, from its member record: active,
 * suspended, or unknown when it is no member.
 */
int	voucher_state(struct admin *, const char *list, const char *voucher,
	    enum pol_voucher *out, struct pd_err *err);
/* The new member record of an admitted candidate; NULL: no memory. */
json_t	*member_record(const struct admin *, const struct admin_member_opts *,
	    const struct candidate *c);
/*
 * In t, what a new member missed: the embargoed advisories (with
 * backfill), or for a reporter the team's replies that waited for its key;
 * counted in rec.
 */
int	new_member_catch_up(struct store_txn *t, const struct candidate *c,
	    json_t *rec, bool backfill, struct pd_err *err);

/* {address, allow, reasons: [{rule, text}], note?}: a new reference. */
json_t	*verdict_json(const char *address, const struct pol_verdict *v);
/* Refuses (PD_REFUSED) with all the verdict's reasons on one line. */
int	refuse_verdict(const struct pol_verdict *v, struct pd_err *err);

/* Is fpr the key of a member of list other than except?  True if unsure. */
bool	fpr_in_use(struct admin *, const char *list, const char *fpr,
	    const char *except);

/*
 * A member's catch-up: what it missed since (adv_catch_up()), n counting
 * it; detail (borrowed, may be NULL) goes into the audit entry with it.
 * With none, only the detail.
 */
struct catch_up {
	time_t		 since;
	size_t		 n;
	json_t		*detail;
	bool		 none;		/* the detail alone: no catch-up */
};

/*
 * Replaces (or, with rec NULL, deletes) a member record with its audit
 * entry (action).  With cu, what the member missed goes to it in the same
 * transaction, cu->n counting it.
 */
int	change_member(struct admin *, const char *list, const char *address,
	    const char *key, json_t *rec, const char *action,
	    struct catch_up *cu, struct pd_err *err);

/*
 * What a member missed, counted from when: where the list's policy
 * backfills new members, anything; otherwise what went out once it was a
 * member (rec's added-at).
 */
int	catch_up_since(struct admin *, const char *list, const json_t *rec,
	    time_t *since, struct pd_err *err);

/*
 * Runs fn on an existing member of an existing list, under the list lock;
 * a refusal is audited as action.  key is the member's store key, rec its
 * record (fn may change it; freed after).
 */
typedef int (*member_fn)(struct admin *, const char *list, const char *addr,
    const char *key, json_t *rec, void *arg, struct pd_err *err);
int	with_member(struct admin *, const char *list_in, const char *addr_in,
	    const char *action, member_fn fn, void *arg, struct pd_err *err);

/*
 * A member's new key: read from keyfile, or with keyfile NULL looked up
 * over HTTPS for address (and with fpr, that key: keyfetch()).  The
 * caller frees blob with keys_blob_free().
 */
struct keys_blob;
int	member_key_blob(struct admin *, const char *keyfile,
	    const char *address, const char *fpr, struct keys_blob *blob,
	    struct pd_err *err);

/*
 * member import's work on rows (a JSON array, borrowed) and a keyring's
 * text (name for messages) for list (normalized, locked by the caller);
 * with schleuder, the rows come from a Schleuder list: their keys are
 * judged, the vendor criteria not (such members are marked "vetting").
 * See admin_member_import().
 */
int	member_import_rows(struct admin *, const char *list, json_t *rows,
	    const char *keyring, size_t len, const char *name, bool schleuder,
	    json_t **out, struct pd_err *err);

/*
 * Rows for member import from CSV text (RFC 4180; name for messages): the
 * first line names the columns as the JSON fields are named; installed-
 * base is a number, agreed true for true, yes or 1, evidence URLs apart
 * by blanks; an empty field is left out.  *rows is a new array.
 * (member_csv.c)
 */
int	member_csv_rows(const char *text, size_t len, const char *name,
	    json_t **rows, struct pd_err *err);

#endif
