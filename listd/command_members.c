/* listd/command_members.c: the member key commands: member key, refresh,
 * import, list import-schleuder. */
#include <stdarg.h>
#include <stdio.h>

#include "listd/command.h"

int
run_member_key(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *out = NULL;
	size_t n = 0;
	int rc = 0;

	if ((o->key == NULL) == !o->fetch) {
		fprintf(o->err, "%smember key: give --key FILE or "
		    "--fetch\n", o->prog);
		return EXIT_USAGE;
	}
	if (admin_member_key(a, args[0], args[1], o->key, &out, &n,
	    &err) == -1) {
		refused(o, &err);
		rc = o->fetch && err.status == PD_TEMPFAIL ? EX_TEMPFAIL :
		    EXIT_REFUSED;
	} else if (!o->json) {
		fprintf(o->out, "replaced the key of %s on %s: %s", args[1], args[0],
		    s(out, "fingerprint"));
		if (json_object_get(out, "key-source") != NULL)
			fprintf(o->out, " (from %s)", s(out, "key-source"));
		if (n > 0)
			fprintf(o->out, "; listd sends it the %zu embargoed advisor%s it "
			    "holds no copy of", n, n == 1 ? "y" : "ies");
		fprintf(o->out, "\n");
	}
	if (o->json && out != NULL)
		print_json(o, out);
	json_decref(out);
	return rc;
}

static void
refresh_row(FILE *f, const json_t *r)
{
	const json_t *e = json_object_get(r, "expires"),
	    *sk = json_object_get(r, "subkeys");

	if (json_object_get(r, "error") != NULL) {
		fprintf(f, "FAIL %s: %s\n", s(r, "address"), s(r, "error"));
		return;
	}
	fprintf(f, "ok   %s", s(r, "source"));
	if (e != NULL)
		fprintf(f, "; expires %s -> %s", s(e, "from"), s(e, "to"));
	if (sk != NULL)
		fprintf(f, "; subkeys %lld -> %lld",
		    (long long)json_integer_value(json_object_get(sk, "from")),
		    (long long)json_integer_value(json_object_get(sk, "to")));
	if (json_is_true(json_object_get(r, "revoked")))
		fprintf(f, "; REVOKED");
	if (json_object_get(r, "usable") != NULL)
		fprintf(f, "; %s", json_is_true(json_object_get(r, "usable")) ?
		    "usable again" : "no longer usable");
	fprintf(f, "\n");
}

int
run_member_refresh(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *out = NULL;
	int rc;

	rc = admin_member_refresh(a, args[0], args[1], &out, &err);
	if (rc == -1 && (args[1] != NULL || out == NULL)) {
		json_decref(out);
		refused(o, &err);
		return err.status == PD_TEMPFAIL ? EX_TEMPFAIL : EXIT_REFUSED;
	}
	print_rows(out, o, refresh_row);
	return rc == -1 ? EXIT_REFUSED : 0;
}

static void
refused_row(FILE *f, const json_t *r)
{
	const json_t *x;
	size_t i;

	fprintf(f, "row %lld (%s):", (long long)json_integer_value(json_object_get(r,
	    "row")), s(r, "address"));
	json_array_foreach(json_object_get(r, "reasons"), i, x)
		fprintf(f, "%s %s", i ? ";" : "", json_string_value(x));
	fprintf(f, "\n");
}

/*
 * What an import prints: refused (rc -1), the refusal and, as text, each
 * failing row; done, as text, the line done formats.  done's arguments
 * are read before out is freed.  Returns the exit status; out is freed.
 */
static int import_result(struct opts *o, int rc, json_t *out,
    const struct pd_err *err, const char *done, ...)
    __attribute__((format(printf, 5, 6)));

static int
import_result(struct opts *o, int rc, json_t *out, const struct pd_err *err,
    const char *done, ...)
{
	const json_t *x;
	va_list ap;
	size_t i;

	if (rc == -1) {
		refused(o, err);
		if (!o->json)
			json_array_foreach(json_object_get(out, "refused"), i, x)
				refused_row(o->out, x);
	} else if (!o->json) {
		va_start(ap, done);
		vfprintf(o->out, done, ap);
		va_end(ap);
	}
	if (o->json && out != NULL)
		print_json(o, out);
	json_decref(out);
	return rc == -1 ? EXIT_REFUSED : 0;
}

int
run_member_import(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *out = NULL;
	int rc;

	if (o->key == NULL) {
		fprintf(o->err, "%smember import: --key KEYRING (the "
		    "members' public keys) is required\n", o->prog);
		return EXIT_USAGE;
	}
	rc = admin_member_import(a, args[0], args[1], o->key, &out, &err);
	return import_result(o, rc, out, &err, "imported %lld members into "
	    "%s\n", (long long)json_integer_value(json_object_get(out,
	    "added")), args[0]);
}

int
run_list_import_schleuder(struct admin *a, char **args, struct opts *o)
{
	struct admin_schleuder_opts so = {
		.address = args[0], .policy = o->policy,
		.database = o->database ? o->database :
		    "/var/lib/schleuder/db.sqlite",
		.lists_dir = o->lists_dir ? o->lists_dir :
		    "/var/lib/schleuder/lists",
		.public = o->public, .npublic = o->npublic
	};
	struct pd_err err = { 0 };
	json_t *out = NULL;
	int rc;

	if (o->policy == NULL) {
		fprintf(o->err, "%slist import-schleuder: --policy "
		    "NAME|FILE is required (shipped: xen, libvirt)\n", o->prog);
		return EXIT_USAGE;
	}
	rc = admin_list_import_schleuder(a, &so, &out, &err);
	return import_result(o, rc, out, &err, "imported %s from Schleuder "
	    "with its key %s and %lld subscriptions; members whose vendor "
	    "criteria were not judged fail member check until their record "
	    "is complete\n", args[0], s(json_object_get(out, "list"),
	    "fingerprint"), (long long)json_integer_value(json_object_get(out,
	    "imported")));
}
