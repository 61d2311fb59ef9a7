/*
 * listd/member_import.c: members in bulk (listctl member import), see
 * admin.h.  Every row is judged as member add judges one, against the
 * list's policy and a key of the one keyring given; only when every row
 * passes is anything imported and recorded, in one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "keys/keys.h"
#include "keys/pgpfilter.h"
#include "listd/admin.h"
#include "listd/list.h"
#include "listd/member_int.h"

#define IMPORT_ROWS_MAX		10000
#define IMPORT_FILE_MAX		(64UL * 1024 * 1024)
#define ROW_EVIDENCE_MAX	16

struct row {
	struct admin_member_opts o;
	const char	*ev[ROW_EVIDENCE_MAX];
	struct candidate c;
	int		 key;		/* index into the keyring, or -1 */
	json_t		*why;		/* its reasons, strings */
};

struct import {
	struct admin	*a;
	bool		 schleuder;	/* rows from Schleuder: keys judged,
					   vendor criteria not (yet) */
	struct list	*l;
	struct pgp_keyring kr;
	struct keyfacts	*facts;		/* kr.n, or zeroed when refused */
	json_t		*keyerr;	/* [{key, reason}]: the keys refused */
	json_t		*rows;		/* the file */
	struct row	*r;
	size_t		 n;
};

static void
why(struct row *r, const char *fmt, const char *arg)
{
	char line[400];

	snprintf(line, sizeof line, fmt, arg);
	json_array_append_new(r->why, json_string(line));
}

/* The fields of row j, as member add's options; what is wrong into why. */
static void
row_opts(const json_t *j, struct row *r)
{
	static const char *const known[] = { "address", "role", "org",
	    "category", "installed-base", "vouched-by", "evidence", "agreed",
	    "justification", "fingerprint", "state" };
	const json_t *ev = json_object_get(j, "evidence"), *v;
	const char *k;
	size_t i, ok;

	json_object_foreach((json_t *)j, k, v) {
		for (i = 0, ok = 0; i < sizeof known / sizeof known[0]; i++)
			ok |= strcmp(k, known[i]) == 0;
		if (!ok)
			why(r, "unknown field \"%s\"", k);
	}
	r->o.address = json_string_value(json_object_get(j, "address"));
	r->o.role = json_string_value(json_object_get(j, "role"));
	r->o.org = json_string_value(json_object_get(j, "org"));
	r->o.category = json_string_value(json_object_get(j, "category"));
	r->o.vouched_by = json_string_value(json_object_get(j, "vouched-by"));
	r->o.justification = json_string_value(json_object_get(j,
	    "justification"));
	v = json_object_get(j, "installed-base");
	r->o.installed_base = json_is_integer(v) ? (long)json_integer_value(v) :
	    -1;
	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 0))
		why(r, "installed-base must be a whole number%s", "");
	r->o.agreed = json_is_true(json_object_get(j, "agreed"));
	if (json_is_string(ev))
		r->ev[r->o.nevidence++] = json_string_value(ev);
	json_array_foreach(ev, i, v)
		if (i < ROW_EVIDENCE_MAX && json_is_string(v))
			r->ev[r->o.nevidence++] = json_string_value(v);
	r->o.evidence = r->ev;
	if (r->o.address == NULL)
		why(r, "no \"address\"%s", "");
	v = json_object_get(j, "state");
	if (v != NULL && !json_is_string(v))
		why(r, "state must be active or suspended%s", "");
	else if (v != NULL && strcmp(json_string_value(v), "active") != 0 &&
	    strcmp(json_string_value(v), "suspended") != 0)
		why(r, "state \"%s\": use active or suspended",
		    json_string_value(v));
	if (r->o.role == NULL)
		r->o.role = "member";
}

/* The key of row r: its "fingerprint", or the one key with its address. */
static void
row_key(struct import *im, const json_t *j, struct row *r)
{
	const char *fpr = json_string_value(json_object_get(j, "fingerprint"));
	size_t i, u, n = 0;

	r->key = -1;
	for (i = 0; i < im->kr.n; i++) {
		const struct keyfacts *kf = &im->facts[i];
		bool has = false;

		if (kf->sub == NULL)
			continue;
		for (u = 0; u < kf->nuid && !has; u++)
			has = kf->uid[u].email != NULL &&
			    strcasecmp(kf->uid[u].email, r->c.address) == 0;
		if (fpr != NULL ? strcasecmp(kf->sub[0].fpr, fpr) == 0 : has) {
			r->key = (int)i;
			n++;
		}
	}
	if (n == 1) {
		r->c.key = im->facts[r->key];	/* borrowed: not cleared */
		return;
	}
	if (n > 1)
		why(r, "several keys of the keyring carry %s: give its "
		    "\"fingerprint\"", r->c.address);
	else if (fpr != NULL)
		why(r, "key %s is not in the keyring (or was refused)", fpr);
	else
		why(r, "no key of the keyring has a user ID with %s",
		    r->c.address);
	r->key = -1;
}

/* The voucher of r: a member of the list, or a row of the file. */
static enum pol_voucher
row_voucher(struct import *im, struct row *r)
{
	enum pol_voucher v;
	size_t i;

	for (i = 0; i < im->n; i++)
		if (strcmp(im->r[i].c.address, r->c.voucher) == 0)
			return POL_VOUCHER_ACTIVE;
	/* a store that cannot be read: unknown, and so refused */
	voucher_state(im->a, im->l->address, r->c.voucher, &v, NULL);
	return v;
}

/* Judges row i in full: every reason it fails goes into its why. */
static void
judge_row(struct import *im, size_t i, time_t now)
{
	struct row *r = &im->r[i];
	const json_t *j = json_array_get(im->rows, i);
	char key[STORE_KEY_MAX];
	struct pd_err e = { 0 };
	json_t *rec = NULL;
	size_t k;

	r->why = json_array();
	snprintf(r->c.list, sizeof r->c.list, "%s", im->l->address);
	if (!json_is_object(j)) {
		why(r, "not a JSON object%s", "");
		return;
	}
	row_opts(j, r);
	if (r->o.address == NULL)
		return;
	if (parse_candidate(&r->o, &r->c, &e) == -1) {
		why(r, "%.300s", e.text);
		return;
	}
	for (k = 0; k < i; k++)
		if (strcmp(im->r[k].c.address, r->c.address) == 0)
			why(r, "%s is in the file twice", r->c.address);
	store_member_key(r->c.list, r->c.address, key);
	if (get_record(im->a, STORE_MEMBERS, key, &rec, &e) == -1 ||
	    rec != NULL)
		why(r, "%s is already a member", r->c.address);
	json_decref(rec);
	row_key(im, j, r);
	if (r->c.pc.vouched_by != NULL)
		r->c.pc.voucher = row_voucher(im, r);
	if (im->schleuder) {	/* the key rules; vendor criteria later */
		pol_verdict_init(&r->c.verdict);
		pol_check_key(r->key >= 0 ? &r->c.key : NULL, r->c.address,
		    im->l->pol, now, &r->c.verdict);
	} else
		pol_eligible(&r->c.pc, im->l->pol, now, &r->c.verdict);
	for (k = 0; k < r->c.verdict.n; k++)
		if (r->key >= 0 || r->c.verdict.reason[k].rule !=
		    POL_R_KEY_MISSING)
			why(r, "%s", r->c.verdict.reason[k].text);
}

/* Reads the rows and the keyring's text. */
static int
load(struct import *im, const char *file, const char *keyring, char **text,
    size_t *len, struct pd_err *err)
{
	size_t n = strlen(file);
	json_error_t je;
	int rc;

	if (n > 4 && strcasecmp(file + n - 4, ".csv") == 0) {
		if (read_file(file, IMPORT_FILE_MAX, text, len, err) == -1)
			return -1;
		rc = member_csv_rows(*text, *len, file, &im->rows, err);
		free(*text);
		*text = NULL;
		if (rc == -1)
			return -1;
	} else if ((im->rows = json_load_file(file, JSON_REJECT_DUPLICATES,
	    &je)) == NULL)
		return pd_fail(err, PD_REFUSED, "%s:%d: not JSON: %s: give an "
		    "array of members", file, je.line, je.text);
	if (!json_is_array(im->rows) || json_array_size(im->rows) == 0 ||
	    json_array_size(im->rows) > IMPORT_ROWS_MAX)
		return pd_fail(err, PD_REFUSED, "%s: give a JSON array (or CSV "
		    "lines) of 1 to %d members", file, IMPORT_ROWS_MAX);
	return read_file(keyring, IMPORT_FILE_MAX, text, len, err);
}

/*
 * The keys of kr numbered in which (n of them) as one keyring, for one
 * gpg run instead of one a key; data NULL when out of memory.
 */
static void
joined(const struct pgp_keyring *kr, const size_t *which, size_t n,
    struct keys_blob *b)
{
	size_t i, len = 0;

	memset(b, 0, sizeof *b);
	snprintf(b->name, sizeof b->name, "the keyring");
	for (i = 0; i < n; i++)
		len += kr->len[which[i]] + 1;
	if ((b->data = malloc(len + 1)) == NULL)
		return;
	for (i = 0; i < n; i++) {
		memcpy(b->data + b->len, kr->key[which[i]], kr->len[which[i]]);
		b->len += kr->len[which[i]];
		b->data[b->len++] = '\n';
	}
}

/*
 * Inspects keys [from, to) of im->kr in one gpg run; when that does not
 * work out (a key gpg will not list, a secret key), each half again, so
 * that a bad key among thousands costs a few runs, not one a key.  A key
 * alone is inspected by itself, its refusal recorded in im->keyerr.
 */
static int
inspect_range(struct import *im, size_t from, size_t to, const char *name,
    struct pd_err *err)
{
	struct keys_blob b;
	struct pd_err e;
	size_t i, *which;
	bool done;

	if (to - from == 1) {
		memset(&b, 0, sizeof b);
		b.data = im->kr.key[from];
		b.len = im->kr.len[from];
		snprintf(b.name, sizeof b.name, "key %zu of %.200s", from + 1,
		    name);
		if (keys_inspect(im->l->keys, &b, &im->facts[from], &e) == 0)
			return 0;
		if (e.status != PD_REFUSED)
			return pd_fail(err, e.status, "%s", e.text);
		return json_array_append_new(im->keyerr, json_pack("{s:I, s:s}",
		    "key", (json_int_t)from + 1, "reason", e.text)) == 0 ? 0 :
		    pd_fail(err, PD_FAIL, "out of memory");
	}
	if ((which = calloc(to - from + 1, sizeof *which)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	for (i = from; i < to; i++)
		which[i - from] = i;
	joined(&im->kr, which, to - from, &b);
	done = b.data != NULL && keys_inspect_all(im->l->keys, &b,
	    &im->facts[from], to - from, &e) == 0;
	free(b.data);
	free(which);
	if (done)
		return 0;
	return inspect_range(im, from, from + (to - from) / 2, name, err) ==
	    -1 ? -1 : inspect_range(im, from + (to - from) / 2, to, name, err);
}

/* Cuts the keyring into keys and inspects each. */
static int
inspect_keyring(struct import *im, const char *text, size_t len,
    const char *name, struct pd_err *err)
{
	if (pgp_keyring_split(text, len, &im->kr, err) == -1)
		return -1;
	if ((im->facts = calloc(im->kr.n + 1, sizeof *im->facts)) == NULL ||
	    (im->keyerr = json_array()) == NULL ||
	    (im->r = calloc(json_array_size(im->rows), sizeof *im->r)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	return inspect_range(im, 0, im->kr.n, name, err);
}

/* The refusal: every failing row with its reasons, on one line too. */
static int
refuse(struct import *im, json_t **out, struct pd_err *err)
{
	char line[sizeof err->text] = "";
	json_t *bad = json_array(), *x;
	size_t i, k, off = 0, nbad = 0;

	for (i = 0; i < im->n; i++) {
		if (json_array_size(im->r[i].why) == 0)
			continue;
		nbad++;
		json_array_append_new(bad, json_pack("{s:I, s:s, s:O}", "row",
		    (json_int_t)i + 1, "address", im->r[i].c.address[0] ?
		    im->r[i].c.address : "?", "reasons", im->r[i].why));
		if (off < sizeof line)
			off += (size_t)snprintf(line + off, sizeof line - off,
			    "%srow %zu (%s): ", nbad > 1 ? "; " : "", i + 1,
			    im->r[i].c.address[0] ? im->r[i].c.address : "?");
		json_array_foreach(im->r[i].why, k, x)
			if (off < sizeof line)
				off += (size_t)snprintf(line + off, sizeof line -
				    off, "%s%s", k ? ", " : "",
				    json_string_value(x));
	}
	*out = json_pack("{s:o, s:O}", "refused", bad, "keys", im->keyerr);
	return pd_fail(err, PD_REFUSED, "%zu of %zu rows refused, nothing was "
	    "added: %s", nbad, im->n, line);
}

/* The state a row asks for, and for Schleuder's rows the vetting due. */
static void
mark(struct import *im, size_t i, json_t *rec)
{
	const char *st = json_string_value(json_object_get(json_array_get(
	    im->rows, i), "state"));

	if (st != NULL)
		json_object_set_new(rec, "state", json_string(st));
	if (im->schleuder && im->r[i].c.role == POL_ROLE_MEMBER)
		json_object_set_new(rec, "vetting", json_string("imported from "
		    "Schleuder: the vendor criteria were not judged; complete "
		    "the record (member set LIST ADDRESS --org ... --category "
		    "...)"));
}

/* The rows' keys (each once) into the list's keyring, in one gpg run. */
static int
import_keys(struct import *im, struct pd_err *err)
{
	const char **fprs = calloc(im->n + 1, sizeof *fprs);
	size_t *which = calloc(im->n + 1, sizeof *which), i, k, n = 0;
	struct keys_blob b = { 0 };
	int rc;

	for (i = 0; fprs != NULL && which != NULL && i < im->n; i++) {
		for (k = 0; k < n && which[k] != (size_t)im->r[i].key; k++)
			;
		if (k == n) {
			which[n] = (size_t)im->r[i].key;
			fprs[n++] = im->r[i].c.key.sub[0].fpr;
		}
	}
	if (fprs != NULL && which != NULL)
		joined(&im->kr, which, n, &b);
	rc = b.data == NULL ? pd_fail(err, PD_FAIL, "out of memory") :
	    keys_import_all(im->l->keys, &b, fprs, n, err);
	free(b.data);
	free(which);
	free(fprs);
	return rc;
}

/* Imports the keys and records every member in one transaction. */
static int
commit(struct import *im, json_t **out, struct pd_err *err)
{
	struct store_txn *t = NULL;
	char key[STORE_KEY_MAX];
	json_t *recs = json_array(), *rec;
	size_t i;
	int rc = 0;

	rc = import_keys(im, err);
	if (rc == 0)
		rc = store_begin(im->a->store, true, &t, err);
	for (i = 0; rc == 0 && i < im->n; i++) {
		struct candidate *c = &im->r[i].c;

		store_member_key(c->list, c->address, key);
		if ((rec = member_record(im->a, &im->r[i].o, c)) == NULL) {
			rc = pd_fail(err, PD_FAIL, "out of memory");
			break;
		}
		mark(im, i, rec);
		rc = store_put(t, STORE_MEMBERS, key, rec, true, err);
		if (rc == 0)
			rc = new_member_catch_up(t, c, rec,
			    im->l->pol->backfill_new_members, err);
		if (rc == 0)
			rc = audit_done(im->a, t, c->list, "member add",
			    c->address, rec, err);
		json_array_append_new(recs, rec);
	}
	rec = json_pack("{s:I}", "added", (json_int_t)im->n);
	if (rc == 0)
		rc = audit_done(im->a, t, im->l->address, "member import",
		    im->l->address, rec, err);
	json_decref(rec);
	if (t != NULL)
		rc = store_end(t, rc, err);
	if (rc == 0)
		*out = json_pack("{s:I, s:o}", "added", (json_int_t)im->n,
		    "members", recs);
	else {			/* nothing recorded: no key left behind */
		for (i = 0; i < im->n; i++)
			if (!fpr_in_use(im->a, im->l->address,
			    im->r[i].c.key.sub[0].fpr, ""))
				keys_delete(im->l->keys,
				    im->r[i].c.key.sub[0].fpr, NULL);
		json_decref(recs);
	}
	return rc;
}

static void
import_free(struct import *im)
{
	size_t i;

	for (i = 0; im->r != NULL && i < im->n; i++)
		json_decref(im->r[i].why);
	for (i = 0; im->facts != NULL && i < im->kr.n; i++)
		keyfacts_clear(&im->facts[i]);
	free(im->facts);
	free(im->r);
	pgp_keyring_free(&im->kr);
	json_decref(im->keyerr);
	json_decref(im->rows);
	list_close(im->l);
}

int
member_import_rows(struct admin *a, const char *list, json_t *rows,
    const char *keyring, size_t len, const char *name, bool schleuder,
    json_t **out, struct pd_err *err)
{
	struct import im = { .a = a, .schleuder = schleuder };
	time_t now = time(NULL);
	size_t i, bad = 0;
	int rc = -1;

	*out = NULL;
	im.rows = json_incref(rows);
	if (list_open(a->store, a->conf->datadir, list, LIST_KEYS, &im.l,
	    err) == -1 || inspect_keyring(&im, keyring, len, name, err) == -1)
		goto out;
	im.n = json_array_size(im.rows);
	for (i = 0; i < im.n; i++) {
		judge_row(&im, i, now);
		bad += json_array_size(im.r[i].why) > 0;
	}
	rc = bad > 0 ? refuse(&im, out, err) : commit(&im, out, err);
out:
	import_free(&im);
	return rc;
}

int
admin_member_import(struct admin *a, const char *list_in, const char *file,
    const char *keyring, json_t **out, struct pd_err *err)
{
	struct import im = { .a = a };
	char list[ADDR_MAX + 1], *text = NULL;
	size_t len = 0;
	int fd = -1, rc = -1;

	*out = NULL;
	if (existing_list(a, list_in, list, err) == -1 ||
	    lock_list(a, list, &fd, err) == -1 ||
	    load(&im, file, keyring, &text, &len, err) == -1)
		goto out;
	rc = member_import_rows(a, list, im.rows, text, len, keyring, false,
	    out, err);
out:
	if (rc == -1 && err->status == PD_REFUSED)
		audit_refusal(a, list, "member import", file, err, *out);
	if (fd != -1)
		close(fd);
	json_decref(im.rows);
	free(text);
	return rc;
}
