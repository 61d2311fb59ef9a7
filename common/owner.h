/*
 * common/owner.h: one owner for the datadir.  listd and listctl work on a
 * datadir only as the user who owns it, so that neither leaves a file in
 * it that the other cannot read or replace.  Run as root on a datadir of
 * another user, they become that user before touching anything; run as
 * anyone else, they refuse with the fix.
 */
#ifndef PDLIST_OWNER_H
#define PDLIST_OWNER_H

#ifndef PDLIST_STATEDIR
#define PDLIST_STATEDIR	"/var"
#endif
/* The service's datadir, listd.conf's default (configure's localstatedir). */
#define OWNER_SERVICE_DATADIR	PDLIST_STATEDIR "/lib/pdlist"

#include <stdbool.h>
#include <sys/types.h>

#include "common/util.h"

struct owner {
	uid_t	 uid;
	gid_t	 gid;
	char	 name[64];	/* the owner's user name */
	bool	 exists;	/* the datadir is there already */
	bool	 become;	/* we are root and the owner is not */
};

/*
 * Who owns datadir and whether prog (named in the error, "listctl") may
 * work on it as it runs: 0, or -1 with a one-line reason and its fix when
 * the datadir belongs to another user, is not a directory, or is writable
 * by other users.  A datadir that does not exist yet belongs to whoever
 * creates it; the service's own (OWNER_SERVICE_DATADIR), made by root, to
 * the service user (PDLIST_USER) when there is one.  Changes nothing.
 */
int	owner_check(const char *datadir, const char *prog, struct owner *o,
	    struct pd_err *err);

/*
 * Creates the datadir (mode 0700; missing parents 0755) when o says it is
 * not there, for o's user, and becomes o's user when o->become: its
 * groups, gid and uid, for good.  0, or -1 with the reason.
 */
int	owner_take(const char *datadir, struct owner *o, struct pd_err *err);

/*
 * The first file under datadir (not following symlinks) that is not o's
 * user's, into path; 0 when there is none, 1 when there is one.
 */
int	owner_stray(const char *datadir, const struct owner *o, char *path,
	    size_t len);

/*
 * The name of the user who ran us, into out: after owner_take() switched
 * from root, the one sudo or the login names (SUDO_USER, LOGNAME), else
 * root; otherwise the running user's.  For the audit log.
 */
void	owner_invoker(char *out, size_t len);

#endif
