/*
 * listd/store.h: the store, one LMDB environment under the datadir.
 *
 * Records are JSON objects (jansson) in named databases.  Every change goes
 * through a short write transaction: begin, get/put, commit.  Never hold a
 * transaction across gpg, curl or a socket.  Values handed out are copies
 * owned by the caller, valid after the transaction ends.  An environment is
 * used only by the process that opened it: reopen after fork().
 */
#ifndef PDLIST_STORE_H
#define PDLIST_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/util.h"

#define STORE_SCHEMA	1

enum store_db {
	STORE_META,	/* "schema" -> version */
	STORE_LISTS,	/* list address -> list record */
	STORE_MEMBERS,	/* list "\x1f" address -> member record */
	STORE_AUDIT,	/* 64-bit big-endian sequence -> audit entry; append-only */
	STORE_INBOX,	/* message id -> intake record, until processed */
	STORE_MESSAGES,	/* message id -> the raw message as received (bytes) */
	STORE_POSTS,	/* list "\x1f" id -> decision to distribute */
	STORE_HELD,	/* list "\x1f" id -> held record with its reason */
	STORE_JOBS,	/* list "\x1f" id "\x1f" member -> delivery job */
	STORE_LEDGER,	/* list "\x1f" id "\x1f" member -> copy accepted by SMTP */
	STORE_ADVISORIES, /* list "\x1f" advisory id -> state and revisions */
	STORE_SEEN,	/* list "\x1f" signature -> the post that carried it */
	STORE_THREADS,	/* list "\x1f" Message-ID -> a reporter's thread */
	STORE_NDB
};

struct store;
struct store_txn;

/*
 * Opens (creating when missing) the store under datadir/store with a map
 * of map_mib MiB, and checks its schema version.
 */
int	store_open(const char *datadir, unsigned long map_mib, struct store **out,
	    struct pd_err *err);
void	store_close(struct store *);
/*
 * Lets go of the store's pages mapped into this process (they stay in the
 * page cache): listd's resident memory after a pass is its own again.
 * Reads do it too, every 1,024 records (in any transaction).
 */
void	store_shed(struct store *);
/*
 * A consistent copy of the store, taken in one read transaction while
 * others write (mdb_env_copy2, compacted), into dir/store (created, mode
 * 0700); dir/store then opens as a store of its own.
 */
int	store_copy(struct store *, const char *dir, struct pd_err *err);
/*
 * Whether a committed write rings the daemon (wake.h): yes, unless the
 * daemon itself turns it off for its own store (it kicks its own work).
 */
void	store_ring_on_commit(struct store *, bool ring);

int	store_begin(struct store *, bool write, struct store_txn **out,
	    struct pd_err *err);
/* Commits (and frees) txn; the data is on disk when this returns 0. */
int	store_commit(struct store_txn *, struct pd_err *err);
/* Abandons (and frees) txn; NULL is fine. */
void	store_abort(struct store_txn *);
/* Ends t: commits it when rc is 0, aborts it otherwise; 0 or -1. */
int	store_end(struct store_txn *, int rc, struct pd_err *err);

/* *out is a new reference the caller releases (json_decref); NULL when absent. */
int	store_get(struct store_txn *, enum store_db, const char *key,
	    json_t **out, struct pd_err *err);
/* With exclusive set, a key that exists is refused (PD_REFUSED). */
int	store_put(struct store_txn *, enum store_db, const char *key,
	    const json_t *value, bool exclusive, struct pd_err *err);
/* Deleting a missing key is refused (PD_REFUSED).  Not for STORE_AUDIT. */
int	store_del(struct store_txn *, enum store_db, const char *key,
	    struct pd_err *err);

/* Raw bytes (STORE_MESSAGES): put, and get a copy the caller frees. */
int	store_put_bytes(struct store_txn *, enum store_db, const char *key,
	    const void *data, size_t len, bool exclusive, struct pd_err *err);
/* *data NULL when absent; otherwise malloc'd, NUL-terminated, *len bytes. */
int	store_get_bytes(struct store_txn *, enum store_db, const char *key,
	    char **data, size_t *len, struct pd_err *err);

/*
 * Calls fn for each record whose key starts with prefix ("" for all), in
 * key order, until fn returns non-zero (which store_scan then returns).
 */
typedef int (*store_scan_fn)(const char *key, json_t *value, void *arg);
int	store_scan(struct store_txn *, enum store_db, const char *prefix,
	    store_scan_fn fn, void *arg, struct pd_err *err);

/*
 * store_scan() from the first key after after (not STORE_AUDIT): a long
 * walk taken a bounded part at a time, each part in a transaction of its
 * own, starts the next part after the last key of the one before.
 */
int	store_scan_after(struct store_txn *, enum store_db, const char *prefix,
	    const char *after, store_scan_fn fn, void *arg, struct pd_err *err);

/*
 * The same for the keys alone, without reading their records: for an
 * index that is in the keys (not STORE_AUDIT, whose keys are binary).
 */
typedef int (*store_key_fn)(const char *key, void *arg);
int	store_scan_keys(struct store_txn *, enum store_db, const char *prefix,
	    store_key_fn fn, void *arg, struct pd_err *err);

/*
 * store_scan() for work that writes while it goes through the records:
 * they are read a chunk at a time, each chunk in a read transaction of
 * its own that has ended when fn is called (fn may write the store); memory
 * for one chunk, whatever their number.  A record written meanwhile may be
 * seen as it was or as it is.  0, -1 (err), or fn's non-zero.
 */
int	store_walk(struct store *, enum store_db, const char *prefix,
	    store_scan_fn fn, void *arg, struct pd_err *err);

/*
 * The values of db's records of list (keys "LIST\x1f..."; list NULL: every
 * record), in key order, in a new *out (the caller decrefs); read in a
 * transaction of their own.
 */
int	store_values(struct store *, enum store_db, const char *list,
	    json_t **out, struct pd_err *err);

/*
 * Appends entry to the audit log in txn, adding "seq"; the log only grows.
 * Audit keys are binary: read the log with store_audit_scan().
 */
int	store_audit(struct store_txn *, json_t *entry, struct pd_err *err);
int	store_audit_scan(struct store_txn *, store_scan_fn fn, void *arg,
	    struct pd_err *err);

/* The key of a member record: list and address joined by '\x1f'. */
#define STORE_KEY_MAX	512	/* LMDB's largest key is 511 bytes */
void	store_member_key(const char *list, const char *address,
	    char key[STORE_KEY_MAX]);

#endif
