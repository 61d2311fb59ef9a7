/*
 * keys/facts_kept.c: the facts of a keyring's keys, kept per GnuPG home
 * from one listing to the next while the keyring's files are unchanged.
 *
 * listd lists a list's whole keyring for every post it encrypts (a gpg
 * process that reads every key: 14 ms at 100 keys, more at 1,000).  gpg
 * rewrites pubring.kbx (a new file renamed into place) and trustdb.gpg
 * for every change, so their inode, size, mtime and ctime together tell
 * whether a kept listing still holds.  The stamp is taken before the
 * listing: a change during it makes the next stamp differ.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "keys/keys_int.h"

#define FACTS_KEPT_MAX	16

static struct facts_kept {
	char		*home;
	struct facts_stamp stamp;
	struct keyfacts	*all;
	size_t		 n;
} kept[FACTS_KEPT_MAX];
static size_t kept_next;
static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;

static void
stat_of(const char *home, const char *name, struct stat *sb)
{
	char path[4200];

	memset(sb, 0, sizeof *sb);
	snprintf(path, sizeof path, "%s/%s", home, name);
	if (stat(path, sb) == -1)
		memset(sb, 0, sizeof *sb);
}

void
facts_stamp(const char *home, struct facts_stamp *s)
{
	stat_of(home, "pubring.kbx", &s->ring);
	stat_of(home, "trustdb.gpg", &s->trust);
}

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	    a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* A copy of n facts from src into *dst; -1 when out of memory. */
static int
copy_all(const struct keyfacts *src, size_t n, struct keyfacts **dst)
{
	struct keyfacts *v;
	size_t i, j;

	if ((v = calloc(n ? n : 1, sizeof *v)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		v[i] = src[i];
		v[i].sub = malloc(src[i].nsub * sizeof *v[i].sub);
		v[i].uid = calloc(src[i].nuid ? src[i].nuid : 1,
		    sizeof *v[i].uid);
		if (v[i].sub == NULL || v[i].uid == NULL) {
			free(v[i].sub);
			free(v[i].uid);
			v[i].sub = NULL;
			v[i].uid = NULL;
			v[i].nsub = v[i].nuid = 0;
			keys_facts_free_all(v, i + 1);
			return -1;
		}
		memcpy(v[i].sub, src[i].sub, src[i].nsub * sizeof *v[i].sub);
		for (j = 0; j < src[i].nuid; j++) {
			v[i].uid[j] = src[i].uid[j];
			if ((v[i].uid[j].email = strdup(src[i].uid[j].email))
			    == NULL) {
				v[i].nuid = j;
				keys_facts_free_all(v, i + 1);
				return -1;
			}
		}
	}
	*dst = v;
	return 0;
}

int
facts_kept_get(const char *home, const struct facts_stamp *s,
    struct keyfacts **all, size_t *n)
{
	int hit = 0;
	size_t i;

	pthread_mutex_lock(&kept_lock);
	for (i = 0; i < FACTS_KEPT_MAX && !hit; i++)
		if (kept[i].home != NULL && strcmp(kept[i].home, home) == 0 &&
		    s->ring.st_ino != 0 &&
		    same_file(&kept[i].stamp.ring, &s->ring) &&
		    same_file(&kept[i].stamp.trust, &s->trust) &&
		    copy_all(kept[i].all, kept[i].n, all) == 0) {
			*n = kept[i].n;
			hit = 1;
		}
	pthread_mutex_unlock(&kept_lock);
	return hit;
}

void
facts_kept_put(const char *home, const struct facts_stamp *s,
    const struct keyfacts *all, size_t n)
{
	struct facts_kept *e = NULL;
	struct keyfacts *copy;
	char *h;
	size_t i;

	if ((h = strdup(home)) == NULL)
		return;
	if (copy_all(all, n, &copy) == -1) {
		free(h);
		return;
	}
	pthread_mutex_lock(&kept_lock);
	for (i = 0; i < FACTS_KEPT_MAX && e == NULL; i++)
		if (kept[i].home != NULL && strcmp(kept[i].home, home) == 0)
			e = &kept[i];
	if (e == NULL)
		e = &kept[kept_next++ % FACTS_KEPT_MAX];
	free(e->home);
	keys_facts_free_all(e->all, e->n);
	e->home = h;
	e->stamp = *s;
	e->all = copy;
	e->n = n;
	pthread_mutex_unlock(&kept_lock);
}
