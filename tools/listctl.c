/*
 * tools/listctl.c: the admin command.  Parses the command line, calls the
 * operation in listd/admin.c and prints its JSON result as text or --json.
 * Exit status: 0 success, 1 refused or failed, 2 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "listd/admin.h"
#include "listd/conf.h"

#define EXIT_REFUSED	1
#define EXIT_USAGE	2

/* Every option a command may take; each command says which it allows. */
enum opt_bit {
	O_JSON = 1 << 0, O_POLICY = 1 << 1, O_PUBLIC = 1 << 2, O_KEY = 1 << 3,
	O_ROLE = 1 << 4, O_ORG = 1 << 5, O_CATEGORY = 1 << 6, O_BASE = 1 << 7,
	O_VOUCH = 1 << 8, O_EVIDENCE = 1 << 9, O_AGREED = 1 << 10,
	O_JUSTIFY = 1 << 11, O_SENDER = 1 << 12, O_ADVISORY = 1 << 13,
	O_REASON = 1 << 14
};

#define MAX_MULTI	64

struct opts {
	bool		 json;
	const char	*actor;
	const char	*policy, *key, *role, *org, *category, *vouched_by;
	const char	*justification;
	long		 installed_base;
	const char	*public[MAX_MULTI];
	size_t		 npublic;
	const char	*evidence[MAX_MULTI];
	size_t		 nevidence;
	bool		 agreed;
	const char	*sender;
	const char	*advisory;
	const char	*reason;
};

struct cmd {
	const char	*word1, *word2;	/* "member", "add" */
	int		 nargs;		/* positional arguments after the words */
	const char	*args;		/* their names, for usage */
	unsigned	 allowed;
	int		(*run)(struct admin *, char **args, struct opts *);
};

static const char *cmd_name = "listctl";	/* "member add" once known */

static void
refused(const struct pd_err *err)
{
	fprintf(stderr, "listctl: %s: %s\n", cmd_name, err->text);
}

static void
print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', stdout);
}

static const char *
s(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "-";
}

/* ---- lists ---------------------------------------------------------- */

static int
run_list_create(struct admin *a, char **args, struct opts *o)
{
	struct admin_list_opts lo = {
		.address = args[0], .policy = o->policy, .keyfile = o->key,
		.public = o->public, .npublic = o->npublic
	};
	struct pd_err err = { 0 };
	json_t *rec;

	if (o->policy == NULL) {
		fprintf(stderr, "listctl: list create: --policy NAME|FILE is "
		    "required (shipped: xen, libvirt)\n");
		return EXIT_USAGE;
	}
	if (admin_list_create(a, &lo, &rec, &err) == -1) {
		refused(&err);
		return EXIT_REFUSED;
	}
	if (o->json)
		print_json(rec);
	else
		printf("created list %s (policy %s)\nfingerprint %s\n",
		    s(rec, "address"), s(rec, "policy"), s(rec, "fingerprint"));
	json_decref(rec);
	return 0;
}

static int
run_list_ls(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *lists, *l;
	size_t i;

	(void)args;
	if (admin_list_ls(a, &lists, &err) == -1) {
		refused(&err);
		return EXIT_REFUSED;
	}
	if (o->json)
		print_json(lists);
	else
		json_array_foreach(lists, i, l)
			printf("%s\t%s\t%s\n", s(l, "address"), s(l, "policy"),
			    s(l, "fingerprint"));
	json_decref(lists);
	return 0;
}

static int
run_list_show(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *l, *v;
	const char *k;
	size_t i;

	if (admin_list_show(a, args[0], &l, &err) == -1) {
		refused(&err);
		return EXIT_REFUSED;
	}
	if (o->json) {
		print_json(l);
		json_decref(l);
		return 0;
	}
	printf("address:     %s\npolicy:      %s (%s)\nfingerprint: %s\n"
	    "created:     %s by %s\npublic:     ", s(l, "address"),
	    s(l, "policy"), s(l, "policy-source"), s(l, "fingerprint"),
	    s(l, "created-at"), s(l, "created-by"));
	json_array_foreach(json_object_get(l, "public"), i, v)
		printf(" %s", json_string_value(v));
	printf("%s\nmembers:     %lld", json_array_size(json_object_get(l,
	    "public")) ? "" : " (none)", (long long)json_integer_value(
	    json_object_get(l, "member-count")));
	json_object_foreach(json_object_get(l, "members"), k, v)
		printf(", %s %lld", k, (long long)json_integer_value(v));
	printf("\n");
	json_decref(l);
	return 0;
}

/* ---- members -------------------------------------------------------- */

static int
run_member_add(struct admin *a, char **args, struct opts *o)
{
	struct admin_member_opts mo = {
		.address = args[1], .role = o->role, .keyfile = o->key,
		.org = o->org, .category = o->category,
		.installed_base = o->installed_base, .vouched_by = o->vouched_by,
		.evidence = o->evidence, .nevidence = o->nevidence,
		.agreed = o->agreed, .justification = o->justification
	};
	struct pd_err err = { 0 };
	json_t *out = NULL;
	int rc = 0;

	if (o->role == NULL || o->key == NULL) {
		fprintf(stderr, "listctl: member add: --role ROLE and --key FILE "
		    "are required\n");
		return EXIT_USAGE;
	}
	if (admin_member_add(a, args[0], &mo, &out, &err) == -1) {
		refused(&err);
		rc = EXIT_REFUSED;
	} else if (!o->json)
		printf("added %s to %s as %s, key %s%s%s\n", s(out, "address"),
		    s(out, "list"), s(out, "role"), s(out, "fingerprint"),
		    json_object_get(out, "note") ? "\nnote: " : "",
		    json_object_get(out, "note") ? s(out, "note") : "");
	if (o->json && out != NULL)
		print_json(out);
	json_decref(out);
	return rc;
}

static int
run_member_remove(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };

	(void)o;
	if (admin_member_remove(a, args[0], args[1], &err) == -1) {
		refused(&err);
		return EXIT_REFUSED;
	}
	printf("removed %s from %s\n", args[1], args[0]);
	return 0;
}

static int
set_state(struct admin *a, char **args, bool active)
{
	struct pd_err err = { 0 };

	if (admin_member_set_state(a, args[0], args[1], active, &err) == -1) {
		refused(&err);
		return EXIT_REFUSED;
	}
	printf("%s %s on %s\n", active ? "resumed" : "suspended", args[1],
	    args[0]);
	return 0;
}

static int
run_member_suspend(struct admin *a, char **args, struct opts *o)
{
	(void)o;
	return set_state(a, args, false);
}

static int
run_member_resume(struct admin *a, char **args, struct opts *o)
{
	(void)o;
	return set_state(a, args, true);
}

static int
run_member_ls(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *ms, *m;
	size_t i;

	if (admin_member_ls(a, args[0], &ms, &err) == -1) {
		refused(&err);
		return EXIT_REFUSED;
	}
	if (o->json)
		print_json(ms);
	else
		json_array_foreach(ms, i, m)
			printf("%-32s %-9s %-9s %-40s %s\n", s(m, "address"),
			    s(m, "role"), s(m, "state"), s(m, "fingerprint"),
			    s(m, "org"));
	json_decref(ms);
	return 0;
}

static int
run_member_check(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *res, *r, *why;
	bool all_ok;
	size_t i, j;

	if (admin_member_check(a, args[0], &res, &all_ok, &err) == -1) {
		refused(&err);
		return EXIT_REFUSED;
	}
	if (o->json)
		print_json(res);
	else
		json_array_foreach(res, i, r) {
			printf("%s %s", json_is_true(json_object_get(r, "ok")) ?
			    "ok  " : "FAIL", s(r, "address"));
			json_array_foreach(json_object_get(r, "reasons"), j, why)
				printf("%s %s", j ? ";" : ":", s(why, "text"));
			printf("\n");
		}
	json_decref(res);
	if (!all_ok)
		fprintf(stderr, "listctl: member check: some members of %s fail "
		    "the policy: suspend or remove them, or renew their keys\n",
		    args[0]);
	return all_ok ? 0 : EXIT_REFUSED;
}

static int
run_audit(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *es, *e;
	size_t i;

	if (admin_audit(a, args[0], o->advisory, &es, &err) == -1) {
		refused(&err);
		return EXIT_REFUSED;
	}
	if (o->json)
		print_json(es);
	else
		json_array_foreach(es, i, e)
			printf("%s %s %s %s %s%s%s\n", s(e, "time"), s(e, "actor"),
			    s(e, "action"), s(e, "subject"), s(e, "outcome"),
			    json_object_get(e, "reason") ? ": " : "",
			    json_object_get(e, "reason") ? s(e, "reason") : "");
	json_decref(es);
	return 0;
}

static int
run_held_ls(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *hs, *h;
	size_t i;

	if (admin_held_ls(a, args[0], &hs, &err) == -1) {
		refused(&err);
		return EXIT_REFUSED;
	}
	if (o->json)
		print_json(hs);
	else
		json_array_foreach(hs, i, h)
			printf("%s\t%s\t%s\t%s\n", s(h, "id"), s(h, "reason"),
			    s(h, "from"), s(h, "subject"));
	json_decref(hs);
	return 0;
}

static int
run_held_show(struct admin *a, char **args, struct opts *o)
{
	static const char *const fields[][2] = {
		{ "id", "id" }, { "reason", "reason" },
		{ "reason-text", "why" }, { "sender", "sender" },
		{ "from", "from" }, { "signer", "signer" },
		{ "subject", "subject" }, { "form", "form" },
		{ "message-id", "message-id" }, { "via", "via" },
		{ "decided-at", "held at" },
	};
	struct pd_err err = { 0 };
	json_t *h;
	size_t i;

	if (admin_held_show(a, args[0], args[1], &h, &err) == -1) {
		refused(&err);
		return EXIT_REFUSED;
	}
	if (o->json)
		print_json(h);
	else {
		for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
			printf("%-11s %s\n", fields[i][1], s(h, fields[i][0]));
		printf("%-11s %lld bytes\n", "size", (long long)
		    json_integer_value(json_object_get(h, "size")));
	}
	json_decref(h);
	return 0;
}

static int
run_queue(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *js, *j;
	char when[32];
	time_t t;
	size_t i;

	if (admin_queue(a, args[0], &js, &err) == -1) {
		refused(&err);
		return EXIT_REFUSED;
	}
	if (o->json)
		print_json(js);
	else
		json_array_foreach(js, i, j) {
			t = (time_t)json_integer_value(json_object_get(j,
			    "next-attempt"));
			iso_time(t, when);
			printf("%s\t%s\t%s\t%lld\t%s\t%s\n", s(j, "post"),
			    s(j, "member"), s(j, "state"), (long long)
			    json_integer_value(json_object_get(j, "attempts")),
			    when, s(j, "last-reply"));
		}
	json_decref(js);
	return 0;
}

static int
run_advisory_ls(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *as, *v;
	size_t i;

	if (admin_advisory_ls(a, args[0], &as, &err) == -1) {
		refused(&err);
		return EXIT_REFUSED;
	}
	if (o->json)
		print_json(as);
	else
		json_array_foreach(as, i, v)
			printf("%s\t%s\trevision %lld\tembargo %s\t%s\n",
			    s(v, "id"), s(v, "state"), (long long)
			    json_integer_value(json_object_get(v, "revision")),
			    s(v, "embargo"), json_object_get(v, "released-at") ?
			    s(v, "released-at") : "");
	json_decref(as);
	return 0;
}

static int
run_advisory_show(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *v, *r;
	size_t i;

	if (admin_advisory_show(a, args[0], args[1], &v, &err) == -1) {
		refused(&err);
		return EXIT_REFUSED;
	}
	if (o->json)
		print_json(v);
	else {
		printf("advisory:  %s\nstate:     %s\nembargo:   %s\n", s(v, "id"),
		    s(v, "state"), s(v, "embargo"));
		if (json_object_get(v, "released-at") != NULL)
			printf("released:  %s by %s\n", s(v, "released-at"),
			    s(v, "released-by"));
		json_array_foreach(json_object_get(v, "revisions"), i, r)
			printf("revision %lld  %s  %-8s %s  %s\n", (long long)
			    json_integer_value(json_object_get(r, "revision")),
			    s(r, "at"), s(r, "action"), s(r, "post"),
			    s(r, "reason"));
	}
	json_decref(v);
	return 0;
}

static int
run_advisory_release(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };

	(void)o;
	if (admin_advisory_release(a, args[0], args[1], &err) == -1) {
		refused(&err);
		return EXIT_REFUSED;
	}
	printf("released %s on %s: listd sends it out\n", args[1], args[0]);
	return 0;
}

static int
run_held_decide(struct admin *a, char **args, struct opts *o, bool approve)
{
	struct pd_err err = { 0 };
	int rc;

	rc = approve ? admin_held_approve(a, args[0], args[1], &err) :
	    admin_held_reject(a, args[0], args[1], o->reason, &err);
	if (rc == -1) {
		refused(&err);
		return EXIT_REFUSED;
	}
	printf("%s %s on %s%s\n", approve ? "approved" : "rejected", args[1],
	    args[0], approve ? ": listd sends it to the members" :
	    o->reason ? ": the sender is told why" : "");
	return 0;
}

static int
run_held_approve(struct admin *a, char **args, struct opts *o)
{
	return run_held_decide(a, args, o, true);
}

static int
run_held_reject(struct admin *a, char **args, struct opts *o)
{
	return run_held_decide(a, args, o, false);
}

/* sysexits(3), what an MTA's pipe transport understands */
#define EX_DATAERR	65
#define EX_NOUSER	67
#define EX_TEMPFAIL	75

static int
run_inject(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	char id[32];
	int too_big;

	if (admin_inject(a, args[0], o->sender, 0, id, &too_big, &err) == 0)
		return 0;
	refused(&err);
	if (too_big)
		return EX_DATAERR;
	return err.status == PD_REFUSED ? EX_NOUSER : EX_TEMPFAIL;
}

static const struct cmd cmds[] = {
	{ "list", "create", 1, "ADDRESS", O_JSON | O_POLICY | O_PUBLIC | O_KEY,
	    run_list_create },
	{ "list", "ls", 0, "", O_JSON, run_list_ls },
	{ "list", "show", 1, "ADDRESS", O_JSON, run_list_show },
	{ "member", "add", 2, "LIST ADDRESS", O_JSON | O_ROLE | O_KEY | O_ORG |
	    O_CATEGORY | O_BASE | O_VOUCH | O_EVIDENCE | O_AGREED | O_JUSTIFY,
	    run_member_add },
	{ "member", "remove", 2, "LIST ADDRESS", 0, run_member_remove },
	{ "member", "ls", 1, "LIST", O_JSON, run_member_ls },
	{ "member", "check", 1, "LIST", O_JSON, run_member_check },
	{ "member", "suspend", 2, "LIST ADDRESS", 0, run_member_suspend },
	{ "member", "resume", 2, "LIST ADDRESS", 0, run_member_resume },
	{ "advisory", "ls", 1, "LIST", O_JSON, run_advisory_ls },
	{ "advisory", "show", 2, "LIST ID", O_JSON, run_advisory_show },
	{ "advisory", "release", 2, "LIST ID", 0, run_advisory_release },
	{ "audit", NULL, 1, "LIST [--advisory ID]", O_JSON | O_ADVISORY,
	    run_audit },
	{ "queue", NULL, 1, "LIST", O_JSON, run_queue },
	{ "held", "ls", 1, "LIST", O_JSON, run_held_ls },
	{ "held", "show", 2, "LIST ID", O_JSON, run_held_show },
	{ "held", "approve", 2, "LIST ID", 0, run_held_approve },
	{ "held", "reject", 2, "LIST ID [--reason TEXT]", O_REASON,
	    run_held_reject },
	{ "inject", NULL, 1, "LIST [--sender ADDRESS] < MESSAGE", O_SENDER,
	    run_inject },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: listctl [-c FILE] [--actor NAME] COMMAND ...\n");
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		fprintf(f, "       listctl %s%s%s %s\n", cmds[i].word1,
		    cmds[i].word2 ? " " : "", cmds[i].word2 ? cmds[i].word2 : "",
		    cmds[i].args);
	fprintf(f, "See listctl(8).\n");
}

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "policy", required_argument, NULL, 'p' },
	{ "public", required_argument, NULL, 'P' },
	{ "key", required_argument, NULL, 'k' },
	{ "role", required_argument, NULL, 'r' },
	{ "org", required_argument, NULL, 'o' },
	{ "category", required_argument, NULL, 'C' },
	{ "installed-base", required_argument, NULL, 'b' },
	{ "vouched-by", required_argument, NULL, 'v' },
	{ "evidence", required_argument, NULL, 'e' },
	{ "agreed", no_argument, NULL, 'a' },
	{ "justification", required_argument, NULL, 'J' },
	{ "actor", required_argument, NULL, 'A' },
	{ "sender", required_argument, NULL, 'S' },
	{ "advisory", required_argument, NULL, 'D' },
	{ "reason", required_argument, NULL, 'R' },
	{ NULL, 0, NULL, 0 }
};

static int
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "listctl: %s: ", cmd_name);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	return -1;
}

static int
add_multi(const char **v, size_t *n, const char *arg, const char *what)
{
	if (*n == MAX_MULTI)
		return usage_error("too many %s options", what);
	v[(*n)++] = arg;
	return 0;
}

static int
parse_long(const char *arg, long *out)
{
	char *end;

	*out = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || *out < 0)
		return usage_error("--installed-base '%s' is not a whole number "
		    "of guests", arg);
	return 0;
}

/* Parses a command's options; positional arguments are left in argv. */
static int
parse_opts(int argc, char **argv, unsigned allowed, struct opts *o, int *nargs)
{
	static const struct { int ch; unsigned bit; } bits[] = {
		{ 'j', O_JSON }, { 'p', O_POLICY }, { 'P', O_PUBLIC },
		{ 'k', O_KEY }, { 'r', O_ROLE }, { 'o', O_ORG },
		{ 'C', O_CATEGORY }, { 'b', O_BASE }, { 'v', O_VOUCH },
		{ 'e', O_EVIDENCE }, { 'a', O_AGREED }, { 'J', O_JUSTIFY },
		{ 'S', O_SENDER }, { 'D', O_ADVISORY }, { 'R', O_REASON },
	};
	size_t i;
	int ch;

	opterr = 0;
	optind = 0;	/* glibc: 0 re-initialises the permutation state */
	while ((ch = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
		for (i = 0; i < sizeof bits / sizeof bits[0]; i++)
			if (bits[i].ch == ch && (bits[i].bit & allowed) == 0)
				return usage_error("%s does not apply here: see "
				    "listctl --help", argv[optind - 1]);
		switch (ch) {
		case 'j': o->json = true; break;
		case 'p': o->policy = optarg; break;
		case 'P':
			if (add_multi(o->public, &o->npublic, optarg,
			    "--public") == -1)
				return -1;
			break;
		case 'k': o->key = optarg; break;
		case 'r': o->role = optarg; break;
		case 'o': o->org = optarg; break;
		case 'C': o->category = optarg; break;
		case 'b':
			if (parse_long(optarg, &o->installed_base) == -1)
				return -1;
			break;
		case 'v': o->vouched_by = optarg; break;
		case 'e':
			if (add_multi(o->evidence, &o->nevidence, optarg,
			    "--evidence") == -1)
				return -1;
			break;
		case 'a': o->agreed = true; break;
		case 'J': o->justification = optarg; break;
		case 'A': o->actor = optarg; break;
		case 'S': o->sender = optarg; break;
		case 'D': o->advisory = optarg; break;
		case 'R': o->reason = optarg; break;
		case ':':
			return usage_error("%s needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	*nargs = argc - optind;
	return 0;
}

static const struct cmd *
find_cmd(int argc, char **argv, int *words)
{
	size_t i;

	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		if (argc < 1 || strcmp(argv[0], cmds[i].word1) != 0)
			continue;
		if (cmds[i].word2 == NULL) {
			*words = 1;
			return &cmds[i];
		}
		if (argc >= 2 && strcmp(argv[1], cmds[i].word2) == 0) {
			*words = 2;
			return &cmds[i];
		}
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	static const struct option global[] = {
		{ "actor", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static char name[64];
	const char *conf_path = NULL, *actor = NULL;
	struct opts o = { .installed_base = -1 };
	struct pd_err err = { 0 };
	const struct cmd *c;
	struct conf *conf = NULL;
	struct admin *a = NULL;
	int ch, words = 0, nargs = 0, rc;

	while ((ch = getopt_long(argc, argv, "+c:hV", global, NULL)) != -1)
		switch (ch) {
		case 'c': conf_path = optarg; break;
		case 'A': actor = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("listctl (pdlist) %s\n", PDLIST_VERSION); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	argc -= optind;
	argv += optind;
	if ((c = find_cmd(argc, argv, &words)) == NULL) {
		if (argc > 0)
			fprintf(stderr, "listctl: unknown command '%s%s%s'\n",
			    argv[0], argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
		usage(stderr);
		return EXIT_USAGE;
	}
	snprintf(name, sizeof name, "%s%s%s", c->word1, c->word2 ? " " : "",
	    c->word2 ? c->word2 : "");
	cmd_name = name;
	/* getopt_long wants argv[0] to be a program name: keep the last word. */
	argc -= words - 1;
	argv += words - 1;
	if (parse_opts(argc, argv, c->allowed, &o, &nargs) == -1)
		return EXIT_USAGE;
	if (nargs != c->nargs) {
		fprintf(stderr, "listctl: %s: expected %s\n", name,
		    c->nargs ? c->args : "no arguments");
		return EXIT_USAGE;
	}
	if (o.actor == NULL)
		o.actor = actor;
	if (conf_load(conf_path, &conf, &err) == -1 ||
	    admin_open(conf, o.actor, &a, &err) == -1) {
		refused(&err);
		conf_free(conf);
		/* The MTA keeps the mail and tries again. */
		return c->run == run_inject ? EX_TEMPFAIL : EXIT_REFUSED;
	}
	rc = c->run(a, argv + optind, &o);
	admin_close(a);
	conf_free(conf);
	return rc;
}
