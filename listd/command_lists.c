/* listd/command_lists.c: the list and member commands (command.h). */
#include <stdio.h>

#include "listd/command.h"

/* ---- lists ---------------------------------------------------------- */

int
run_list_create(struct admin *a, char **args, struct opts *o)
{
	struct admin_list_opts lo = {
		.address = args[0], .policy = o->policy, .keyfile = o->key,
		.public = o->public, .npublic = o->npublic
	};
	struct pd_err err = { 0 };
	json_t *rec;

	if (o->policy == NULL) {
		fprintf(o->err, "%slist create: --policy NAME|FILE is "
		    "required (shipped: xen, libvirt)\n", o->prog);
		return EXIT_USAGE;
	}
	if (admin_list_create(a, &lo, &rec, &err) == -1)
		return failed(o, &err);
	if (o->json)
		print_json(o, rec);
	else
		fprintf(o->out, "created list %s (policy %s)\nfingerprint %s\n",
		    s(rec, "address"), s(rec, "policy"), s(rec, "fingerprint"));
	json_decref(rec);
	return 0;
}

static void
list_row(FILE *out, const json_t *l)
{
	fprintf(out, "%s\t%s\t%s\n", s(l, "address"), s(l, "policy"),
	    s(l, "fingerprint"));
}

int
run_list_ls(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *lists;

	(void)args;
	if (admin_list_ls(a, &lists, &err) == -1)
		return failed(o, &err);
	return print_rows(lists, o, list_row);
}

int
run_list_show(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *l, *v;
	const char *k;
	size_t i;

	if (admin_list_show(a, args[0], &l, &err) == -1)
		return failed(o, &err);
	if (o->json) {
		print_json(o, l);
		json_decref(l);
		return 0;
	}
	fprintf(o->out, "address:     %s\npolicy:      %s (%s)\nfingerprint: %s\n"
	    "created:     %s by %s\n", s(l, "address"),
	    s(l, "policy"), s(l, "policy-source"), s(l, "fingerprint"),
	    s(l, "created-at"), s(l, "created-by"));
	if (json_object_get(l, "changed-at") != NULL)
		fprintf(o->out, "changed:     %s by %s\n", s(l, "changed-at"),
		    s(l, "changed-by"));
	fprintf(o->out, "public:     ");
	json_array_foreach(json_object_get(l, "public"), i, v)
		fprintf(o->out, " %s", json_string_value(v));
	fprintf(o->out, "%s\n", json_array_size(json_object_get(l, "public")) ?
	    "" : " (none)");
	if (json_object_get(l, "publish-dir") != NULL)
		fprintf(o->out, "publish-dir: %s\n", s(l, "publish-dir"));
	fprintf(o->out, "members:     %lld", (long long)json_integer_value(
	    json_object_get(l, "member-count")));
	json_object_foreach(json_object_get(l, "members"), k, v)
		fprintf(o->out, ", %s %lld", k, (long long)json_integer_value(v));
	fprintf(o->out, "\n");
	json_decref(l);
	return 0;
}

/* "a@x b@y", or "none", into buf. */
static const char *
addresses(const json_t *arr, char *buf, size_t len)
{
	const json_t *v;
	size_t i, off = 0;

	snprintf(buf, len, "none");
	json_array_foreach(arr, i, v)
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
			    i ? " " : "", json_string_value(v));
	return buf;
}

int
run_list_set(struct admin *a, char **args, struct opts *o)
{
	struct admin_list_set_opts so = {
		.public = o->public, .npublic = o->npublic,
		.set_public = o->npublic > 0 || o->no_public,
		.policy = o->policy, .publish_dir = o->publish_dir
	};
	struct pd_err err = { 0 };
	char from[1024], to[1024];
	json_t *rec, *c;

	if (!so.set_public && o->policy == NULL && o->publish_dir == NULL) {
		fprintf(o->err, "%slist set: nothing to set: give "
		    "--public ADDRESS, --no-public, --policy NAME|FILE or "
		    "--publish-dir DIR\n", o->prog);
		return EXIT_USAGE;
	}
	if (o->npublic > 0 && o->no_public) {
		fprintf(o->err, "%slist set: --public and --no-public "
		    "contradict each other\n", o->prog);
		return EXIT_USAGE;
	}
	if (admin_list_set(a, args[0], &so, &rec, &err) == -1)
		return failed(o, &err);
	if (o->json)
		print_json(o, rec);
	else {
		fprintf(o->out, "changed list %s\n", s(rec, "address"));
		if ((c = json_object_get(json_object_get(rec, "changed"),
		    "public")) != NULL)
			fprintf(o->out, "public: %s (was: %s)\n", addresses(
			    json_object_get(c, "to"), to, sizeof to), addresses(
			    json_object_get(c, "from"), from, sizeof from));
		if ((c = json_object_get(json_object_get(rec, "changed"),
		    "policy")) != NULL)
			fprintf(o->out, "policy: %s from %s (was: %s)\nits members are "
			    "judged by it from now on: see listctl member "
			    "check %s\n", s(json_object_get(c, "to"), "name"),
			    s(json_object_get(c, "to"), "source"),
			    s(json_object_get(c, "from"), "name"),
			    s(rec, "address"));
		if ((c = json_object_get(json_object_get(rec, "changed"),
		    "publish-dir")) != NULL)
			fprintf(o->out, "publish-dir: %s (was: %s)\n", s(c, "to"),
			    s(c, "from"));
	}
	json_decref(rec);
	return 0;
}

/* ---- members -------------------------------------------------------- */

/* The member options of member add and member set, from the line's. */
static struct admin_member_opts
member_opts(const char *address, const struct opts *o)
{
	return (struct admin_member_opts){
		.address = address, .role = o->role, .keyfile = o->key,
		.org = o->org, .category = o->category,
		.installed_base = o->installed_base, .vouched_by = o->vouched_by,
		.evidence = (const char *const *)o->evidence,
		.nevidence = o->nevidence, .agreed = o->agreed,
		.justification = o->justification
	};
}

int
run_member_add(struct admin *a, char **args, struct opts *o)
{
	struct admin_member_opts mo = member_opts(args[1], o);
	struct pd_err err = { 0 };
	json_t *out = NULL;
	int rc = 0;

	if (o->role == NULL || (o->key == NULL) == !o->fetch) {
		fprintf(o->err, "%smember add: --role ROLE and %s are "
		    "required\n", o->prog, o->by_mail ? "the key attached "
		    "(application/pgp-keys)" : "--key FILE (or --fetch)");
		return EXIT_USAGE;
	}
	if (admin_member_add(a, args[0], &mo, &out, &err) == -1) {
		refused(o, &err);
		/* 75: a lookup to try again later */
		rc = o->fetch && err.status == PD_TEMPFAIL ? EX_TEMPFAIL :
		    EXIT_REFUSED;
	} else if (!o->json)
		fprintf(o->out, "added %s to %s as %s, key %s%s%s\n", s(out, "address"),
		    s(out, "list"), s(out, "role"), s(out, "fingerprint"),
		    json_object_get(out, "note") ? "\nnote: " : "",
		    json_object_get(out, "note") ? s(out, "note") : "");
	if (o->json && out != NULL)
		print_json(o, out);
	json_decref(out);
	return rc;
}

int
run_member_set(struct admin *a, char **args, struct opts *o)
{
	struct admin_member_opts mo = member_opts(args[1], o);
	struct pd_err err = { 0 };
	json_t *out = NULL;
	int rc = 0;

	if (admin_member_set(a, args[0], &mo, &out, &err) == -1) {
		refused(o, &err);
		rc = EXIT_REFUSED;
	} else if (!o->json) {
		const char *field, *sep = "";
		json_t *f;

		fprintf(o->out, "changed %s of %s:", s(out, "address"),
		    s(out, "list"));
		json_object_foreach(json_object_get(out, "changed"), field, f) {
			fprintf(o->out, "%s %s", sep, field);
			sep = ",";
		}
		fprintf(o->out, "\n");
	}
	if (o->json && out != NULL)
		print_json(o, out);
	json_decref(out);
	return rc;
}

int
run_member_remove(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };

	(void)o;
	if (admin_member_remove(a, args[0], args[1], &err) == -1)
		return failed(o, &err);
	fprintf(o->out, "removed %s from %s\n", args[1], args[0]);
	return 0;
}

static int
set_state(struct admin *a, char **args, bool active, struct opts *o)
{
	struct pd_err err = { 0 };
	size_t n = 0;

	if (admin_member_set_state(a, args[0], args[1], active, &n,
	    &err) == -1)
		return failed(o, &err);
	fprintf(o->out, "%s %s on %s", active ? "resumed" : "suspended", args[1],
	    args[0]);
	if (active && n > 0)
		fprintf(o->out, ": listd sends it the %zu embargoed advisor%s it missed",
		    n, n == 1 ? "y" : "ies");
	fprintf(o->out, "\n");
	return 0;
}

int
run_member_suspend(struct admin *a, char **args, struct opts *o)
{
	return set_state(a, args, false, o);
}

int
run_member_resume(struct admin *a, char **args, struct opts *o)
{
	return set_state(a, args, true, o);
}

static void
member_row(FILE *out, const json_t *m)
{
	fprintf(out, "%-32s %-9s %-9s %-40s %s\n", s(m, "address"), s(m, "role"),
	    s(m, "state"), s(m, "fingerprint"), s(m, "org"));
}

int
run_member_ls(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *ms;

	if (admin_member_ls(a, args[0], &ms, &err) == -1)
		return failed(o, &err);
	return print_rows(ms, o, member_row);
}

int
run_member_check(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *res, *r, *why;
	bool all_ok;
	size_t i, j;

	if (admin_member_check(a, args[0], &res, &all_ok, &err) == -1)
		return failed(o, &err);
	if (o->json)
		print_json(o, res);
	else
		json_array_foreach(res, i, r) {
			fprintf(o->out, "%s %s", json_is_true(json_object_get(r, "ok")) ?
			    "ok  " : "FAIL", s(r, "address"));
			json_array_foreach(json_object_get(r, "reasons"), j, why)
				fprintf(o->out, "%s %s", j ? ";" : ":", s(why, "text"));
			fprintf(o->out, "\n");
		}
	json_decref(res);
	if (!all_ok)
		fprintf(o->err, "%smember check: some members of %s fail "
		    "the policy: suspend or remove them, or renew their keys\n",
		    o->prog, args[0]);
	return all_ok ? 0 : EXIT_REFUSED;
}
