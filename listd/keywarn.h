/*
 * listd/keywarn.h: warnings before trouble with members' keys.
 *
 * Where a list's policy sets key-warn-days (e.g. {30, 7, 1}), listd warns
 * a member whose key (its primary or the encryption subkey the list uses)
 * comes within one of those days of its expiry: the member, encrypted to
 * that still-valid key, and the list's admins, encrypted to theirs; once
 * per threshold (the member record remembers the last one, for that key
 * and that expiry: an extended expiry starts afresh).  A key that can no
 * longer receive mail (expired, revoked, no live encryption subkey) is
 * reported to the admins once.  Each warning is audited.
 */
#ifndef PDLIST_KEYWARN_H
#define PDLIST_KEYWARN_H

#include <stdbool.h>
#include <time.h>

#include <jansson.h>

#include "common/util.h"
#include "listd/conf.h"
#include "listd/store.h"

/*
 * Sends the warnings due now over every list (the keyring of each list
 * listed once); *n counts the members warned.  -1 on temporary trouble
 * (the store, gpg): what was not sent is sent at the next run.
 */
int	keywarn_due_all(const struct conf *, struct store *, unsigned *n,
	    struct pd_err *err);

/*
 * A key found unable to receive mail (by a refresh): the admins are told
 * now, as keywarn_due_all() would tell them, unless rec's last warning
 * already did; rec (the member's record, to be stored by the caller)
 * remembers it.  Whether they were told.
 */
struct list;
struct keyfacts;
bool	keywarn_tell_dead(struct list *, json_t *rec,
	    const struct keyfacts *kf, time_t now);

/*
 * fn with every member record of every list, a chunk at a time
 * (store_walk(): fn may write), unless *last (this process's last look)
 * was less than an hour before now.  *last becomes now.  0, -1, or fn's
 * non-zero.
 */
int	keywarn_members_hourly(struct store *, time_t *last, time_t now,
	    store_scan_fn fn, void *arg, struct pd_err *err);

/*
 * Where a list's policy sets key-refresh-days, fetches again the key of
 * each member due (not tried for that many days), as listctl member
 * refresh does; at most 50 members a run, hourly in the daemon.  *n counts
 * the keys refreshed; every outcome is audited, none stops the run.
 * (member_refresh.c)
 */
int	keyrefresh_due_all(const struct conf *, struct store *, unsigned *n,
	    struct pd_err *err);

#endif
