/*
 * listd/backup.c: listctl backup DIR, a copy of the datadir that is
 * consistent while listd runs: first the store, in one read transaction
 * (store_copy()), then each list's files (its GnuPG home, its policy)
 * under the list's lock, so that no listctl change is copied half-done.
 * What the store refers to was there before the store was copied: a key
 * or a list added meanwhile is at most one more file in the copy.  The
 * copy has the datadir's layout: restoring is putting it in its place.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "listd/admin_int.h"

static int
copy_file(const char *src, const char *dst, mode_t mode, struct pd_err *err)
{
	char buf[65536];
	ssize_t n = 0;
	int in, out, rc = 0;

	if ((in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return pd_fail(err, PD_FAIL, "cannot read %s: %s", src,
		    strerror(errno));
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    mode & 0700)) == -1) {
		close(in);
		return pd_fail(err, PD_FAIL, "cannot create %s: %s", dst,
		    strerror(errno));
	}
	while (rc == 0 && (n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n)
			rc = -1;
	if (n == -1 || rc == -1 || fsync(out) == -1)
		rc = pd_fail(err, PD_FAIL, "cannot copy %s to %s: %s", src, dst,
		    strerror(errno));
	close(in);
	if (close(out) == -1 && rc == 0)
		rc = pd_fail(err, PD_FAIL, "cannot write %s: %s", dst,
		    strerror(errno));
	return rc;
}

/* gpg's lock files and sockets are the running system's, not data. */
static bool
transient(const char *name, const struct stat *sb)
{
	size_t len = strlen(name);

	return (!S_ISREG(sb->st_mode) && !S_ISDIR(sb->st_mode)) ||
	    strncmp(name, ".#lk", 4) == 0 ||
	    (len > 5 && strcmp(name + len - 5, ".lock") == 0) ||
	    strcmp(name, "lock") == 0;
}

/*
 * src's regular files and folders into dst (made, 0700); top: the
 * datadir, whose store and lists are copied on their own.
 */
static int
copy_tree(const char *src, const char *dst, bool top, struct pd_err *err)
{
	char s[4096], d[4096];
	struct dirent *e;
	struct stat sb;
	DIR *dir;
	int rc = 0;

	if (mkdir(dst, 0700) == -1 && errno != EEXIST)
		return pd_fail(err, PD_FAIL, "cannot create %s: %s", dst,
		    strerror(errno));
	if ((dir = opendir(src)) == NULL)
		return pd_fail(err, PD_FAIL, "cannot read %s: %s", src,
		    strerror(errno));
	while (rc == 0 && (e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    (top && (strcmp(e->d_name, "store") == 0 ||
		    strcmp(e->d_name, "lists") == 0)))
			continue;
		if ((size_t)snprintf(s, sizeof s, "%s/%s", src, e->d_name) >=
		    sizeof s || (size_t)snprintf(d, sizeof d, "%s/%s", dst,
		    e->d_name) >= sizeof d)
			rc = pd_fail(err, PD_FAIL, "%s: path too long", src);
		else if (lstat(s, &sb) == -1)
			rc = errno == ENOENT ? 0 : pd_fail(err, PD_FAIL,
			    "%s: %s", s, strerror(errno));
		else if (transient(e->d_name, &sb))
			continue;
		else if (S_ISDIR(sb.st_mode))
			rc = copy_tree(s, d, false, err);
		else
			rc = copy_file(s, d, sb.st_mode, err);
	}
	closedir(dir);
	return rc;
}

/* Each list's folder, under its lock, in the order the folder lists them. */
static int
copy_lists(struct admin *a, const char *dir, unsigned *n, struct pd_err *err)
{
	char src[4096], dst[4096];
	struct dirent *e;
	DIR *d;
	int rc = 0, fd;

	snprintf(src, sizeof src, "%s/lists", a->conf->datadir);
	snprintf(dst, sizeof dst, "%s/lists", dir);
	if ((d = opendir(src)) == NULL)
		return errno == ENOENT ? 0 : pd_fail(err, PD_FAIL, "cannot read "
		    "%s: %s", src, strerror(errno));
	if (mkdir(dst, 0700) == -1)
		rc = pd_fail(err, PD_FAIL, "cannot create %s: %s", dst,
		    strerror(errno));
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if ((rc = lock_list(a, e->d_name, &fd, err)) == -1)
			break;
		snprintf(src, sizeof src, "%s/lists/%s", a->conf->datadir,
		    e->d_name);
		snprintf(dst, sizeof dst, "%s/lists/%s", dir, e->d_name);
		rc = copy_tree(src, dst, false, err);
		close(fd);
		(*n)++;
	}
	closedir(d);
	return rc;
}

int
backup_dir_for(const char *dir, uid_t uid, gid_t gid, struct pd_err *err)
{
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return pd_fail(err, PD_REFUSED, "cannot create %s: %s", dir,
		    strerror(errno));
	if (chown(dir, uid, gid) == -1)
		return pd_fail(err, PD_FAIL, "cannot give %s to the datadir's "
		    "owner: %s", dir, strerror(errno));
	return 0;
}

/* dir: made now (0700), or an empty folder; never inside the datadir. */
static int
backup_target(const struct admin *a, const char *dir, struct pd_err *err)
{
	char real_dir[4096], real_data[4096];
	size_t len;
	DIR *d;
	struct dirent *e;
	int found = 0;

	if (dir[0] != '/')
		return pd_fail(err, PD_REFUSED, "backup folder '%s' must be an "
		    "absolute path", dir);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return pd_fail(err, PD_REFUSED, "cannot create %s: %s", dir,
		    strerror(errno));
	if (realpath(dir, real_dir) == NULL ||
	    realpath(a->conf->datadir, real_data) == NULL)
		return pd_fail(err, PD_FAIL, "%s: %s", dir, strerror(errno));
	len = strlen(real_data);
	if (strncmp(real_dir, real_data, len) == 0 &&
	    (real_dir[len] == '/' || real_dir[len] == '\0'))
		return pd_fail(err, PD_REFUSED, "%s is inside the datadir %s: "
		    "back up to another folder", dir, a->conf->datadir);
	if ((d = opendir(dir)) == NULL)
		return pd_fail(err, PD_FAIL, "cannot read %s: %s", dir,
		    strerror(errno));
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			found = 1;
	closedir(d);
	if (found)
		return pd_fail(err, PD_REFUSED, "%s is not empty: back up to a "
		    "new folder", dir);
	return chmod(dir, 0700) == -1 ? pd_fail(err, PD_FAIL, "chmod %s: %s",
	    dir, strerror(errno)) : 0;
}

int
admin_backup(struct admin *a, const char *dir, unsigned *lists,
    struct pd_err *err)
{
	*lists = 0;
	if (backup_target(a, dir, err) == -1 ||
	    store_copy(a->store, dir, err) == -1 ||
	    copy_lists(a, dir, lists, err) == -1)
		return -1;
	return copy_tree(a->conf->datadir, dir, true, err) == -1 ? -1 : 0;
}
