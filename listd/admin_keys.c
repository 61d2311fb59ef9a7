/*
 * listd/admin_keys.c: what a member needs to read the list: the list's
 * public key and the team's (to verify the team's own signature inside a
 * copy), and a held message itself for the moderators (admin.h).
 */
#include <stdlib.h>
#include <string.h>

#include "keys/keys.h"
#include "listd/admin_int.h"
#include "listd/held.h"
#include "listd/list.h"

int
admin_list_keys(struct admin *a, const char *list_in, bool team,
    char **armored, size_t *len, json_t **who, struct pd_err *err)
{
	char list[ADDR_MAX + 1];
	const char **fprs = NULL;
	struct list_paths p;
	struct keys *k = NULL;
	json_t *lrec = NULL, *ms = NULL, *m;
	size_t i, n = 0;
	int rc;

	*armored = NULL;
	*len = 0;
	*who = NULL;
	if (addr_normalize(list_in, list, err) == -1 ||
	    need_list(a, list, &lrec, err) == -1)
		return -1;
	rc = (*who = json_array()) == NULL ? pd_fail(err, PD_FAIL, "out of "
	    "memory") : 0;
	if (rc == 0 && team)	/* else ms stays NULL: no member */
		rc = store_values(a->store, STORE_MEMBERS, list, &ms, err);
	if (rc == 0 && (fprs = calloc(json_array_size(ms) + 1,
	    sizeof *fprs)) == NULL)
		rc = pd_fail(err, PD_FAIL, "out of memory");
	if (rc == 0) {
		fprs[n++] = json_str(lrec, "fingerprint");
		json_array_append_new(*who, json_pack("{s:s, s:s, s:s}",
		    "address", list, "role", "list", "fingerprint", fprs[0]));
	}
	json_array_foreach(ms, i, m) {
		if (rc != 0 || strcmp(json_str(m, "role"), "team") != 0 ||
		    strcmp(json_str(m, "state"), "active") != 0)
			continue;
		fprs[n++] = json_str(m, "fingerprint");
		json_array_append_new(*who, json_pack("{s:s, s:s, s:s}",
		    "address", json_str(m, "address"), "role", "team",
		    "fingerprint", json_str(m, "fingerprint")));
	}
	list_paths(a->conf->datadir, list, &p);
	if (rc == 0 && (rc = keys_open(p.home, 0, &k, err)) == 0)
		rc = keys_export_public(k, fprs, n, armored, len, err);
	keys_close(k);
	free(fprs);
	json_decref(ms);
	json_decref(lrec);
	if (rc == -1) {
		json_decref(*who);
		*who = NULL;
	}
	return rc;
}

int
admin_held_message(struct admin *a, const char *list_in, const char *id,
    char **out, size_t *len, struct pd_err *err)
{
	char list[ADDR_MAX + 1];
	struct list_paths p;
	struct keys *k = NULL;
	json_t *h = NULL;
	int rc;

	*out = NULL;
	*len = 0;
	if (addr_normalize(list_in, list, err) == -1 ||
	    admin_held_show(a, list, id, &h, err) == -1)
		return -1;
	json_decref(h);
	list_paths(a->conf->datadir, list, &p);
	if ((rc = keys_open(p.home, 0, &k, err)) == 0)
		rc = held_message(k, a->store, list, id, 0, out, len, err);
	keys_close(k);
	return rc;
}
