/*
 * listd/admin.h: the administrative operations on lists and members, shared
 * by listctl (and later listd).  Each operation checks its input, takes the
 * list's lock when it changes the list, makes its change in one store
 * transaction together with its audit entry, and refuses with a one-line
 * reason (PD_REFUSED) that changes nothing but the audit log.
 *
 * Results are JSON (jansson), owned by the caller (json_decref), so that
 * listctl prints the same data as text or as --json.
 */
#ifndef PDLIST_ADMIN_H
#define PDLIST_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "common/util.h"
#include "listd/conf.h"

struct admin;
struct keys_blob;

/* actor: the --actor name, or NULL for the Unix user. conf is borrowed. */
int	admin_open(const struct conf *conf, const char *actor,
	    struct admin **out, struct pd_err *err);
void	admin_close(struct admin *);
struct store;
/*
 * The same inside listd, on its open store st (borrowed: LMDB opens an
 * environment once per process), for commands mailed to LIST-request@ by
 * actor (the signer's address and key).  No write transaction may be open.
 */
int	admin_attach(const struct conf *conf, struct store *st,
	    const char *actor, struct admin **out, struct pd_err *err);

struct admin_list_opts {
	const char	 *address;
	const char	 *policy;	/* a profile name or a file */
	const char	 *keyfile;	/* NULL: generate the list's key */
	const struct keys_blob *key;	/* or the list's key as read */
	const char *const *public;	/* public addresses for releases */
	size_t		  npublic;
};

int	admin_list_create(struct admin *, const struct admin_list_opts *,
	    json_t **record, struct pd_err *err);
int	admin_list_ls(struct admin *, json_t **lists, struct pd_err *err);

struct admin_schleuder_opts {
	const char	 *address;	/* the Schleuder list's, and the new */
	const char	 *database;	/* Schleuder's SQLite database */
	const char	 *lists_dir;	/* its lists_dir: DIR/DOMAIN/LOCAL is
					   the list's GnuPG home */
	const char	 *policy;	/* as list create's */
	const char *const *public;
	size_t		  npublic;
};

/*
 * Moves a Schleuder list: creates list address with the Schleuder list's
 * secret key and adds each subscription (address, fingerprint; admin ->
 * admin, others -> member; delivery disabled -> suspended) with its key
 * from the list's keyring.  The keys are judged by the policy; the vendor
 * criteria are not (Schleuder has no such record): such members are
 * marked "vetting" and fail member check until an admin completes their
 * record.  All or nothing: when any subscription is refused the new list
 * is removed again, and *out names them as member import's refusal does.
 * On success *out is {list, imported, members}.  (schleuder.c)
 */
int	admin_list_import_schleuder(struct admin *,
	    const struct admin_schleuder_opts *, json_t **out,
	    struct pd_err *err);

struct admin_list_set_opts {
	const char *const *public;	/* with set_public: the new addresses */
	size_t		  npublic;
	bool		  set_public;	/* replace them (npublic 0: by none) */
	const char	 *policy;	/* a new profile NAME or file, or NULL */
	const char	 *publish_dir;	/* the public archive's directory (an
					   absolute path; "": none), or NULL */
};

/*
 * Changes a list after its creation: replaces its public addresses (each
 * a plain address, none twice, none of the list's own), its policy (a
 * profile checked as list create checks it; the list's copy is replaced
 * by its bytes), its publish directory (an existing directory, where
 * listd writes the public archive at each release: archive.h).  Everything
 * is checked before anything changes, and a
 * command that would change nothing is refused.  On success *out is the
 * list record with "changed": {"public"|"policy"|"publish-dir": {"from",
 * "to"}}, which
 * the audit entry records too.
 */
int	admin_list_set(struct admin *, const char *list,
	    const struct admin_list_set_opts *, json_t **out,
	    struct pd_err *err);
/* The list record with a "members" summary by role and state. */
int	admin_list_show(struct admin *, const char *address, json_t **out,
	    struct pd_err *err);

struct admin_member_opts {
	const char	 *address;
	const char	 *role;		/* member, team, moderator, admin */
	const char	 *keyfile;	/* NULL: looked up (keyfetch.h) */
	const char	 *org;
	const char	 *category;
	long		  installed_base;	/* -1: not given */
	const char	 *vouched_by;
	const char *const *evidence;
	size_t		  nevidence;
	bool		  agreed;
	const char	 *justification;
};

/*
 * Adds a member.  On success *out is the member record.  On a refusal by
 * the policy *out is {"address", "allow": false, "reasons": [{rule, text}]}
 * and err holds every reason on one line.
 */
int	admin_member_add(struct admin *, const char *list,
	    const struct admin_member_opts *, json_t **out, struct pd_err *err);
/*
 * Changes the fields o gives (role, org, category, installed-base,
 * vouched-by, evidence, agreed, justification; not the key) of member
 * o->address, after judging the changed record as member add would, with
 * the member's current key; a Schleuder import's vetting mark goes once it
 * passes.  On success *out is the new record; on a refusal by the policy
 * {address, ok: false, reasons} and nothing changes.
 */
int	admin_member_set(struct admin *, const char *list,
	    const struct admin_member_opts *, json_t **out, struct pd_err *err);
int	admin_member_remove(struct admin *, const char *list,
	    const char *address, struct pd_err *err);
int	admin_member_ls(struct admin *, const char *list, json_t **members,
	    struct pd_err *err);
/*
 * Sets the member's state to "active" or "suspended".  A resumed member
 * gets, in the same transaction, the embargoed advisories it missed while
 * suspended (adv_catch_up()), each once; *caught_up counts them (NULL:
 * not wanted).
 */
int	admin_member_set_state(struct admin *, const char *list,
	    const char *address, bool active, size_t *caught_up,
	    struct pd_err *err);
/*
 * Replaces the key of member address by the key in keyfile (NULL: looked
 * up over HTTPS by its address, listd/keyfetch.h), after the checks member
 * add makes of a key (the vendor
 * criteria are not judged again); the rest of the record is kept; audited
 * with the old and new fingerprints.  In the same transaction the member
 * gets the embargoed advisories it holds no copy of (adv_catch_up()), each
 * once; *backfill counts them.  *out is the new record, or on a refusal by
 * the policy the verdict (as member add's); NULL otherwise.
 */
int	admin_member_key(struct admin *, const char *list, const char *address,
	    const char *keyfile, json_t **out, size_t *backfill,
	    struct pd_err *err);

/*
 * Fetches the key of member address (NULL: of every member) again by its
 * address and fingerprint (listd/keyfetch.h) and imports only updates to
 * that same primary key: new subkeys, a new expiry, a revocation; a
 * different key served for the address is refused and nothing changes.
 * Each refresh is audited with what changed; a key that can receive mail
 * again gets what it missed (as member resume).  *out is an array of
 * what changed per member ({source, expires?, subkeys?, revoked?,
 * usable?}), and for every member {address, error} when it failed; with
 * every member, -1 when any failed (err: the last failure).
 */
int	admin_member_refresh(struct admin *, const char *list,
	    const char *address, json_t **out, struct pd_err *err);

/*
 * Adds the members of file, a JSON array of objects with member add's
 * fields ("address", "role" (default member), "org", "category",
 * "installed-base", "vouched-by" (a member or another row), "evidence"
 * (a URL or an array), "agreed", "justification", and "fingerprint" to
 * choose among keys), each with its key from keyring (one armored or
 * binary keyring: the key with a user ID of the row's address, or the
 * fingerprint given).  All or nothing: every row is judged as member add
 * judges one; when any fails nothing is added and *out is {refused: [{row,
 * address, reasons}], keys: [{key, reason}]}, err naming every failing row
 * with its reasons.  Otherwise every key is imported and every member
 * recorded (backfilled as member add does) in one
 * transaction; *out is {added, members}.
 */
int	admin_member_import(struct admin *, const char *list, const char *file,
	    const char *keyring, json_t **out, struct pd_err *err);

/*
 * Re-validates every member against the list's policy and the keys' current
 * state: *out is [{address, role, state, ok, reasons: [...]}]; *all_ok is
 * false when any member fails.
 */
int	admin_member_check(struct admin *, const char *list, json_t **out,
	    bool *all_ok, struct pd_err *err);

/*
 * Takes one message for list from fd (what an MTA's pipe transport runs),
 * with the envelope sender (NULL or "" for a bounce).  Returns 0 once the
 * message is committed to the inbox, its id in id.  Otherwise -1 with
 * PD_REFUSED (unknown list, or *too_big when over the list's limit) or
 * PD_TEMPFAIL.
 */
int	admin_inject(struct admin *, const char *list, const char *sender,
	    int fd, char id[32], int *too_big, struct pd_err *err);

/* Held messages of a list, oldest first, and one of them by id. */
int	admin_held_ls(struct admin *, const char *list, json_t **held,
	    struct pd_err *err);
int	admin_held_show(struct admin *, const char *list, const char *id,
	    json_t **rec, struct pd_err *err);

/*
 * The list's delivery jobs that are not done: waiting, retrying (with the
 * next attempt and the server's last reply), failed or skipped.
 */
int	admin_queue(struct admin *, const char *list, json_t **jobs,
	    struct pd_err *err);

/*
 * Sends the failed and bounced copies on list again, once: of post only
 * (when not NULL), to member only (when not NULL).  *n counts them; none
 * is PD_REFUSED.
 */
int	admin_queue_retry(struct admin *, const char *list, const char *post,
	    const char *member, size_t *n, struct pd_err *err);

/*
 * A moderator's decision on a held message.  Approve: it goes on to the
 * members as if it had passed (encrypted as usual), recorded with the
 * moderator.  Reject: it is deleted, recorded with the reason, and with a
 * reason the envelope sender is told (signed by the list, not encrypted:
 * it carries only the moderator's words), its address in told; told is ""
 * when nobody is told: no reason, or no sender to tell (a bounce's null
 * sender or MAILER-DAEMON, not a plain address, the list's own address).
 * An unknown or already decided id is refused.
 */
int	admin_held_approve(struct admin *, const char *list, const char *id,
	    struct pd_err *err);
int	admin_held_reject(struct admin *, const char *list, const char *id,
	    const char *reason, char told[ADDR_MAX + 1], struct pd_err *err);

/* The list's advisories: state, embargo, revisions with their outcome. */
int	admin_advisory_ls(struct admin *, const char *list, json_t **out,
	    struct pd_err *err);
int	admin_advisory_show(struct admin *, const char *list, const char *id,
	    json_t **out, struct pd_err *err);
/* Releases an embargoed advisory now (a flaw exploited in the wild). */
int	admin_advisory_release(struct admin *, const char *list, const char *id,
	    struct pd_err *err);

/*
 * The list's audit entries, oldest first; with advisory, only those about
 * it, followed by the ledger's copies of it (who received which revision
 * when).
 */
int	admin_audit(struct admin *, const char *list, const char *advisory,
	    json_t **entries, struct pd_err *err);

/*
 * listctl backup DIR (backup.c): the store and every list's files, copied
 * consistently while listd runs, into DIR (made now with mode 0700, or an
 * empty folder, outside the datadir), in the datadir's layout; *lists:
 * how many lists.
 */
int	admin_backup(struct admin *, const char *dir, unsigned *lists,
	    struct pd_err *err);
/* DIR made (0700) for the datadir's owner, by root before it switches. */
int	backup_dir_for(const char *dir, uid_t uid, gid_t gid,
	    struct pd_err *err);
/*
 * The list's public key, and with team the keys of its active team members
 * too, armored in one block (*armored, malloc'd); *who lists them
 * [{address, role, fingerprint}].
 */
int	admin_list_keys(struct admin *, const char *list, bool team,
	    char **armored, size_t *len, json_t **who, struct pd_err *err);
/*
 * A held message itself, unsealed: as it came, or when it came encrypted
 * to the list, decrypted (what members would get).  Plaintext: the caller
 * wipes it (wipe_free()).
 */
int	admin_held_message(struct admin *, const char *list, const char *id,
	    char **out, size_t *len, struct pd_err *err);

#endif
