/*
 * listd/list.h: one list's context, the one way every module gets at a
 * list: its record, its files under the datadir, its policy (parsed from the
 * very bytes kept in its policy.conf) and its keyring.
 *
 * A struct list_cache keeps the lists one run works on open, so that a run
 * reads each list's record and parses its policy once, not once per
 * message.  Neither is shared between threads.
 */
#ifndef PDLIST_LIST_H
#define PDLIST_LIST_H

#include <stddef.h>

#include "common/util.h"
#include "keys/keys.h"
#include "listd/store.h"
#include "policy/policy.h"

/* The files of one list under the datadir. */
struct list_paths {
	char	dir[1024];
	char	home[1100];	/* GnuPG home, mode 0700 */
	char	policy[1100];	/* the list's copy of its profile */
	char	lock[1100];
};
void	list_paths(const char *datadir, const char *address,
	    struct list_paths *out);

struct list {
	char		 address[ADDR_MAX + 1];
	char		 fpr[41];	/* the list's own key */
	struct list_paths paths;
	char		**public;	/* public addresses for releases */
	size_t		 npublic;
	struct policy	*pol;
	struct keys	*keys;		/* NULL when opened without */
	struct store	*st;		/* borrowed */
	/* the keyring's keys as listed (encrypt.c), and whether that was
	   since the last list_fresh() */
	struct keyfacts	*facts;
	size_t		 nfacts;
	bool		 facts_fresh;
};

/* Work about to start: a key missing from the facts is looked for again. */
void	list_fresh(struct list *);
/* The fingerprint of list's key in t ("" when there is no such list). */
int	list_fpr(struct store_txn *, const char *list, char fpr[41],
	    struct pd_err *err);

#define LIST_KEYS	0x1	/* open its keyring too */

/*
 * Opens list address: an unknown list is PD_REFUSED ("no list ..."), a
 * policy that does not load PD_TEMPFAIL (an admin can mend it; mail waits
 * meanwhile), the store's and gpg's errors as they come.  The caller frees
 * *out with list_close().
 */
int	list_open(struct store *, const char *datadir, const char *address,
	    int flags, struct list **out, struct pd_err *err);
void	list_close(struct list *);

/*
 * Stops the gpg-agent of every list's GnuPG home under datadir (at
 * listd's exit: gpg starts the agents and leaves them running).
 */
void	list_stop_agents(const char *datadir);

/* Whether address is one of the list's own addresses (route.h). */
bool	list_own_address(const char *list, const char *address);

struct list_cache {
	struct store	*st;
	const char	*datadir;
	int		 flags;
	struct list	**v;
	size_t		 n;
};

void	list_cache_init(struct list_cache *, struct store *, const char *datadir,
	    int flags);
/* The list, opened on first use; owned by the cache. */
int	list_cache_get(struct list_cache *, const char *address,
	    struct list **out, struct pd_err *err);
void	list_cache_free(struct list_cache *);

#endif
