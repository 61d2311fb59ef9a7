/* common/owner.c: see owner.h. */
#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/owner.h"

#ifndef PDLIST_USER
#define PDLIST_USER	"pdlist"
#endif

/* Set when owner_take() left root: who ran us, for the audit log. */
static char invoker[64];

static void
user_name(uid_t uid, char *out, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		snprintf(out, len, "%s", pw->pw_name);
	else
		snprintf(out, len, "uid %u", (unsigned)uid);
}

/*
 * A datadir not there yet: root makes the service's for the service user
 * if there is one (another datadir, a test's, is the maker's).
 */
static void
future_owner(const char *datadir, struct owner *o)
{
	struct passwd *pw = NULL;

	if (geteuid() == 0 && strcmp(datadir, OWNER_SERVICE_DATADIR) == 0)
		pw = getpwnam(PDLIST_USER);
	o->uid = pw != NULL ? pw->pw_uid : geteuid();
	o->gid = pw != NULL ? pw->pw_gid : getegid();
	user_name(o->uid, o->name, sizeof o->name);
	o->become = geteuid() == 0 && o->uid != 0;
}

int
owner_check(const char *datadir, const char *prog, struct owner *o,
    struct pd_err *err)
{
	struct passwd *pw;
	struct stat sb;
	char me[64];

	memset(o, 0, sizeof *o);
	if (stat(datadir, &sb) == -1) {
		if (errno != ENOENT)
			return pd_fail(err, PD_FAIL, "datadir %s: %s", datadir,
			    strerror(errno));
		future_owner(datadir, o);
		return 0;
	}
	o->exists = true;
	if (!S_ISDIR(sb.st_mode))
		return pd_fail(err, PD_REFUSED, "datadir %s is not a directory: "
		    "set datadir in listd.conf to one", datadir);
	o->uid = sb.st_uid;
	user_name(sb.st_uid, o->name, sizeof o->name);
	if ((pw = getpwuid(sb.st_uid)) != NULL)
		o->gid = pw->pw_gid;
	else
		o->gid = sb.st_gid;
	if (sb.st_uid != geteuid() && geteuid() != 0) {
		user_name(geteuid(), me, sizeof me);
		return pd_fail(err, PD_REFUSED, "datadir %s belongs to %s, not "
		    "to %s: run as %s (runuser -u %s -- %s ...), or hand it "
		    "over: chown -R %s: %s", datadir, o->name, me, o->name,
		    o->name, prog, me, datadir);
	}
	if (sb.st_uid != geteuid() && pw == NULL)
		return pd_fail(err, PD_REFUSED, "datadir %s belongs to uid %u, "
		    "which is no user: chown -R the service user (%s): %s",
		    datadir, (unsigned)sb.st_uid, PDLIST_USER, datadir);
	if ((sb.st_mode & 022) != 0)
		return pd_fail(err, PD_REFUSED, "datadir %s has mode %04o: "
		    "other users could replace what is in it: chmod 700 %s",
		    datadir, (unsigned)(sb.st_mode & 07777), datadir);
	o->become = sb.st_uid != geteuid();
	return 0;
}

/* The datadir, mode 0700 (its missing parents 0755), for o's user. */
static int
make_datadir(const char *datadir, const struct owner *o, struct pd_err *err)
{
	char parent[4096];

	snprintf(parent, sizeof parent, "%s", datadir);
	if (mkdir_p(dirname(parent), 0755) == -1 ||
	    (mkdir(datadir, 0700) == -1 && errno != EEXIST))
		return pd_fail(err, PD_FAIL, "cannot create datadir %s: %s",
		    datadir, strerror(errno));
	if (o->uid != geteuid() && chown(datadir, o->uid, o->gid) == -1)
		return pd_fail(err, PD_FAIL, "cannot give datadir %s to %s: %s",
		    datadir, o->name, strerror(errno));
	return 0;
}

int
owner_take(const char *datadir, struct owner *o, struct pd_err *err)
{
	const char *who;

	if (!o->exists && make_datadir(datadir, o, err) == -1)
		return -1;
	o->exists = true;
	if (!o->become)
		return 0;
	if ((who = getenv("SUDO_USER")) == NULL || *who == '\0')
		who = getenv("LOGNAME");
	if (who == NULL || *who == '\0')
		user_name(getuid(), invoker, sizeof invoker);
	else
		snprintf(invoker, sizeof invoker, "%s", who);
	if (initgroups(o->name, o->gid) == -1 || setgid(o->gid) == -1 ||
	    setuid(o->uid) == -1)
		return pd_fail(err, PD_FAIL, "cannot become %s, the owner of "
		    "datadir %s: %s", o->name, datadir, strerror(errno));
	if (setuid(0) != -1)	/* a way back would be a bug */
		return pd_fail(err, PD_FAIL, "cannot drop root for %s",
		    o->name);
	o->become = false;
	return 0;
}

/* nftw() takes no argument: the search's state, at start-up only. */
static struct {
	uid_t	 uid;
	char	*path;
	size_t	 len;
} stray;

static int
stray_entry(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	if (sb->st_uid == stray.uid)
		return 0;
	snprintf(stray.path, stray.len, "%s", path);
	return 1;
}

int
owner_stray(const char *datadir, const struct owner *o, char *path,
    size_t len)
{
	stray.uid = o->uid;
	stray.path = path;
	stray.len = len;
	return nftw(datadir, stray_entry, 16, FTW_PHYS) == 1 ? 1 : 0;
}

void
owner_invoker(char *out, size_t len)
{
	if (invoker[0] != '\0')
		snprintf(out, len, "%s", invoker);
	else
		user_name(getuid(), out, len);
}
