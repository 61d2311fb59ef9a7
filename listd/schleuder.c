/*
 * listd/schleuder.c: a list moved from Schleuder (listctl list
 * import-schleuder), see admin.h.
 *
 * Schleuder keeps its lists in an SQLite database (db/schema.rb: table
 * lists with email and fingerprint; table subscriptions with list_id,
 * email, fingerprint, admin, delivery_enabled), read here with libsqlite3,
 * read-only; and each list's keyring in its list directory,
 * LISTS_DIR/DOMAIN/LOCAL, a GnuPG home, from which the list's secret key
 * and the subscribers' public keys are exported.  The pdlist list is made
 * with that key; the subscriptions become members (admin -> admin, others
 * -> member; delivery disabled -> suspended) through member import's rows,
 * all or nothing: when any is refused the new list is undone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "keys/keys.h"
#include "listd/admin.h"
#include "listd/member_int.h"

/* The list's fingerprint and its subscriptions as member rows. */
static int
read_db(const char *db, const char *list, char fpr[41], json_t *rows,
    struct pd_err *err)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *q = NULL;
	sqlite3_int64 id = -1;
	int rc;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		rc = pd_fail(err, PD_REFUSED, "cannot open Schleuder's database "
		    "%s: %s", db, h ? sqlite3_errmsg(h) : "out of memory");
		goto out;
	}
	if (sqlite3_prepare_v2(h, "SELECT id, fingerprint FROM lists WHERE "
	    "lower(email) = lower(?1)", -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(q, 1, list, -1, SQLITE_STATIC) != SQLITE_OK)
		goto sqlerr;
	if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		id = sqlite3_column_int64(q, 0);
		snprintf(fpr, 41, "%s", (const char *)sqlite3_column_text(q, 1) ?
		    (const char *)sqlite3_column_text(q, 1) : "");
	} else if (rc != SQLITE_DONE)
		goto sqlerr;
	sqlite3_finalize(q);
	q = NULL;
	if (id == -1) {
		rc = pd_fail(err, PD_REFUSED, "Schleuder's database %s has no "
		    "list %s", db, list);
		goto out;
	}
	if (sqlite3_prepare_v2(h, "SELECT email, fingerprint, admin, "
	    "delivery_enabled FROM subscriptions WHERE list_id = ?1 ORDER BY "
	    "email", -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(q, 1, id) != SQLITE_OK)
		goto sqlerr;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *em = (const char *)sqlite3_column_text(q, 0),
		    *fp = (const char *)sqlite3_column_text(q, 1);

		json_t *row = json_pack("{s:s, s:s, s:s}", "address", em ? em :
		    "", "role", sqlite3_column_int(q, 2) ? "admin" : "member",
		    "state", sqlite3_column_int(q, 3) ? "active" : "suspended");

		/* Schleuder allows a subscription without a key: its row
		   then looks for one by address, and says there is none. */
		if (row != NULL && fp != NULL && fp[0] != '\0')
			json_object_set_new(row, "fingerprint", json_string(fp));
		json_array_append_new(rows, row);
	}
	if (rc != SQLITE_DONE)
		goto sqlerr;
	rc = 0;
	goto out;
sqlerr:
	rc = pd_fail(err, PD_REFUSED, "Schleuder's database %s: %s", db,
	    sqlite3_errmsg(h));
out:
	sqlite3_finalize(q);
	sqlite3_close(h);
	return rc;
}

/* The list's secret key and every subscriber's public key, exported. */
static int
export_keys(const char *home, const char *fpr, json_t *rows,
    struct keys_blob *secret, char **ring, size_t *ring_len,
    struct pd_err *err)
{
	struct keys *k = NULL;
	struct keys_blob b;
	json_t *r;
	size_t i, n = 0;
	char *p;
	int rc;

	*ring = NULL;
	*ring_len = 0;
	if (access(home, R_OK | X_OK) == -1)
		return pd_fail(err, PD_REFUSED, "Schleuder's list directory %s "
		    "cannot be read: give --lists-dir", home);
	if ((rc = keys_open(home, 0, &k, err)) == 0)
		rc = keys_export(k, fpr, true, secret, err);
	json_array_foreach(rows, i, r) {
		if (rc == -1)
			break;
		if (json_object_get(r, "fingerprint") == NULL)
			continue;
		if ((rc = keys_export(k, json_string_value(json_object_get(r,
		    "fingerprint")), false, &b, err)) == -1) {
			/* named with its row: the refusal lists them all */
			rc = 0;
			continue;
		}
		if ((p = realloc(*ring, n + b.len + 2)) == NULL)
			rc = pd_fail(err, PD_FAIL, "out of memory");
		else {
			memcpy(p + n, b.data, b.len);
			n += b.len;
			p[n++] = '\n';
			p[n] = '\0';
			*ring = p;
		}
		keys_blob_free(&b);
	}
	*ring_len = n;
	keys_close(k);
	keys_stop_agent(home);
	return rc;
}

static void
secret_free(struct keys_blob *b)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->len);
	keys_blob_free(b);
}

int
admin_list_import_schleuder(struct admin *a, const struct admin_schleuder_opts
    *so, json_t **out, struct pd_err *err)
{
	struct admin_list_opts lo = { .address = so->address, .policy =
	    so->policy, .public = so->public, .npublic = so->npublic };
	struct keys_blob secret = { 0 };
	char fpr[41] = "", home[1100], list[ADDR_MAX + 1], *ring = NULL;
	const char *at;
	size_t ring_len = 0;
	json_t *rows = json_array(), *lrec = NULL, *members = NULL;
	int fd = -1, rc = -1;

	*out = NULL;
	if (rows == NULL || addr_normalize(so->address, list, err) == -1 ||
	    read_db(so->database, list, fpr, rows, err) == -1)
		goto out;
	at = strrchr(list, '@');
	snprintf(home, sizeof home, "%s/%s/%.*s", so->lists_dir, at + 1,
	    (int)(at - list), list);
	if (export_keys(home, fpr, rows, &secret, &ring, &ring_len, err) == -1)
		goto out;
	lo.key = &secret;
	if (admin_list_create(a, &lo, &lrec, err) == -1)
		goto out;
	if (lock_list(a, list, &fd, err) == -1 ||
	    (json_array_size(rows) > 0 && member_import_rows(a, list, rows,
	    ring ? ring : "", ring_len, "Schleuder's keyring", true, &members,
	    err) == -1)) {
		list_uncreate(a, list);	/* all or nothing */
		*out = members;
		members = NULL;
		goto out;
	}
	*out = json_pack("{s:o, s:I, s:o}", "list", lrec, "imported",
	    (json_int_t)json_array_size(rows), "members", members ?
	    json_incref(json_object_get(members, "members")) : json_array());
	lrec = NULL;
	rc = 0;
out:
	if (rc == -1 && err->status == PD_REFUSED)
		audit_refusal(a, list, "list import-schleuder", so->database,
		    err, *out);
	if (fd != -1)
		close(fd);
	secret_free(&secret);
	free(ring);
	json_decref(rows);
	json_decref(lrec);
	json_decref(members);
	return rc;
}
