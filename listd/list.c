/* listd/list.c: see list.h.  The only reader of a list's record fields. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listd/list.h"
#include "listd/route.h"

void
list_paths(const char *datadir, const char *address, struct list_paths *p)
{
	snprintf(p->dir, sizeof p->dir, "%s/lists/%s", datadir, address);
	snprintf(p->home, sizeof p->home, "%s/gnupg", p->dir);
	snprintf(p->policy, sizeof p->policy, "%s/policy.conf", p->dir);
	snprintf(p->lock, sizeof p->lock, "%s/lock", p->dir);
}

void
list_stop_agents(const char *datadir)
{
	struct list_paths p;
	struct dirent *e;
	char lists[1100];
	DIR *d;

	snprintf(lists, sizeof lists, "%s/lists", datadir);
	if ((d = opendir(lists)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.') {
			list_paths(datadir, e->d_name, &p);
			keys_stop_agent(p.home);
		}
	closedir(d);
}

/* The record's fingerprint and public addresses into l. */
int
list_fpr(struct store_txn *t, const char *list, char fpr[41],
    struct pd_err *err)
{
	json_t *rec = NULL;
	const char *v;

	if (store_get(t, STORE_LISTS, list, &rec, err) == -1)
		return -1;
	v = json_string_value(json_object_get(rec, "fingerprint"));
	snprintf(fpr, 41, "%s", v != NULL ? v : "");
	json_decref(rec);
	return 0;
}

static int
read_record(struct list *l, struct pd_err *err)
{
	struct store_txn *t;
	json_t *rec = NULL, *a;
	size_t i;
	int rc;

	if (store_begin(l->st, false, &t, err) == -1)
		return -1;
	rc = store_get(t, STORE_LISTS, l->address, &rec, err);
	store_abort(t);
	if (rc == -1)
		return -1;
	if (rec == NULL)
		return pd_fail(err, PD_REFUSED, "no list %s", l->address);
	snprintf(l->fpr, sizeof l->fpr, "%s", json_string_value(
	    json_object_get(rec, "fingerprint")) ? json_string_value(
	    json_object_get(rec, "fingerprint")) : "");
	l->npublic = json_array_size(json_object_get(rec, "public"));
	if ((l->public = calloc(l->npublic + 1, sizeof *l->public)) == NULL)
		rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
	json_array_foreach(json_object_get(rec, "public"), i, a)
		if (rc == 0 && (l->public[i] = strdup(json_string_value(a) ?
		    json_string_value(a) : "")) == NULL)
			rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
	json_decref(rec);
	return rc;
}

int
list_open(struct store *st, const char *datadir, const char *address,
    int flags, struct list **out, struct pd_err *err)
{
	struct list *l;
	char perr[512], *text = NULL;
	size_t len = 0;

	*out = NULL;
	if ((l = calloc(1, sizeof *l)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	l->st = st;
	snprintf(l->address, sizeof l->address, "%s", address);
	list_paths(datadir, address, &l->paths);
	if (read_record(l, err) == -1)
		goto fail;
	if (read_file(l->paths.policy, 1 << 20, &text, &len, err) == -1) {
		pd_fail(err, PD_TEMPFAIL, "list %s: policy: %s", address,
		    err->text);
		goto fail;
	}
	if (pol_load_text(l->paths.policy, text, len, &l->pol, perr,
	    sizeof perr) == -1) {
		pd_fail(err, PD_TEMPFAIL, "list %s: policy: %s", address, perr);
		goto fail;
	}
	free(text);
	text = NULL;
	if ((flags & LIST_KEYS) && keys_open(l->paths.home, 0, &l->keys,
	    err) == -1)
		goto fail;
	if (l->keys != NULL)
		keys_set_message_size(l->keys, l->pol->max_message_size);
	*out = l;
	return 0;
fail:
	free(text);
	list_close(l);
	return -1;
}

void
list_close(struct list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; l->public != NULL && i < l->npublic; i++)
		free(l->public[i]);
	free(l->public);
	keys_facts_free_all(l->facts, l->nfacts);
	keys_close(l->keys);
	pol_free(l->pol);
	free(l);
}

void
list_fresh(struct list *l)
{
	l->facts_fresh = false;
}

bool
list_own_address(const char *list, const char *sender)
{
	return route_own(list, sender);
}

void
list_cache_init(struct list_cache *c, struct store *st, const char *datadir,
    int flags)
{
	memset(c, 0, sizeof *c);
	c->st = st;
	c->datadir = datadir;
	c->flags = flags;
}

int
list_cache_get(struct list_cache *c, const char *address, struct list **out,
    struct pd_err *err)
{
	struct list **nv;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->v[i]->address, address) == 0) {
			*out = c->v[i];
			return 0;
		}
	if ((nv = realloc(c->v, (c->n + 1) * sizeof *nv)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	c->v = nv;
	if (list_open(c->st, c->datadir, address, c->flags, out, err) == -1)
		return -1;
	c->v[c->n++] = *out;
	return 0;
}

void
list_cache_free(struct list_cache *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		list_close(c->v[i]);
	free(c->v);
	memset(c, 0, sizeof *c);
}
