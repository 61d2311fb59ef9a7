/*
 * listd/command.c: see command.h.  The table of commands, their options
 * and who may send them by mail; the parser of an argv, shared by listctl's
 * command line and LIST-request@ mail (request.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listd/command.h"
#include "policy/policy.h"

#define ADMIN		BY_ROLE(POL_ROLE_ADMIN)
#define MODERATORS	(BY_ROLE(POL_ROLE_MODERATOR) | ADMIN)
#define TEAM		(BY_ROLE(POL_ROLE_TEAM) | ADMIN)
#define EVERYONE	(BY_ROLE(POL_ROLE_MEMBER) | BY_ROLE(POL_ROLE_REPORTER) | \
			 BY_ROLE(POL_ROLE_TEAM) | MODERATORS)

/*
 * Options that name a file on the server, or reach the network from it:
 * never by mail.
 */
#define O_FILES		(O_KEY | O_POLICY | O_PUBLISH_DIR | O_HTML | \
			 O_SCHLEUDER | O_FETCH)

void
refused(const struct opts *o, const struct pd_err *err)
{
	fprintf(o->err, "%s%s: %s\n", o->prog, o->name, err->text);
}

int
failed(const struct opts *o, const struct pd_err *err)
{
	refused(o, err);
	return EXIT_REFUSED;
}

void
print_json(const struct opts *o, json_t *j)
{
	json_dumpf(j, o->out, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', o->out);
}

int
print_rows(json_t *rows, const struct opts *o,
    void (*row)(FILE *, const json_t *))
{
	const json_t *r;
	size_t i;

	if (o->json)
		print_json(o, rows);
	else
		json_array_foreach(rows, i, r)
			row(o->out, r);
	json_decref(rows);
	return 0;
}

/*
 * The commands.  by mail: the roles whose signed mail to LIST-request@
 * may run it, without the LIST argument (admins: all; moderators: held;
 * the team: advisory; everyone: help and keys).
 */
static const struct cmd cmds[] = {
	{ "list", "create", 1, "ADDRESS", O_JSON | O_POLICY | O_PUBLIC | O_KEY,
	    BY_NOBODY, run_list_create },
	{ "list", "import-schleuder", 1, "ADDRESS --policy NAME|FILE "
	    "[--database DB] [--lists-dir DIR] [--public ADDRESS]...",
	    O_JSON | O_POLICY | O_PUBLIC | O_SCHLEUDER, BY_NOBODY,
	    run_list_import_schleuder },
	{ "list", "ls", 0, "", O_JSON, BY_NOBODY, run_list_ls },
	{ "list", "show", 1, "LIST", O_JSON, ADMIN, run_list_show },
	{ "list", "set", 1, "LIST [--public ADDRESS]... [--no-public] "
	    "[--policy NAME|FILE] [--publish-dir DIR]", O_JSON | O_PUBLIC |
	    O_NO_PUBLIC | O_POLICY | O_PUBLISH_DIR, BY_NOBODY, run_list_set },
	{ "list", "key", 1, "LIST", 0, EVERYONE, run_list_key },
	{ "member", "add", 2, "LIST ADDRESS", O_JSON | O_ROLE | O_KEY | O_ORG |
	    O_CATEGORY | O_BASE | O_VOUCH | O_EVIDENCE | O_AGREED | O_JUSTIFY |
	    O_FETCH, ADMIN, run_member_add },
	{ "member", "set", 2, "LIST ADDRESS", O_JSON | O_ROLE | O_ORG |
	    O_CATEGORY | O_BASE | O_VOUCH | O_EVIDENCE | O_AGREED | O_JUSTIFY,
	    ADMIN, run_member_set },
	{ "member", "remove", 2, "LIST ADDRESS", 0, ADMIN, run_member_remove },
	{ "member", "ls", 1, "LIST", O_JSON, ADMIN, run_member_ls },
	{ "member", "check", 1, "LIST", O_JSON, ADMIN, run_member_check },
	{ "member", "suspend", 2, "LIST ADDRESS", 0, ADMIN, run_member_suspend },
	{ "member", "resume", 2, "LIST ADDRESS", 0, ADMIN, run_member_resume },
	{ "member", "import", 2, "LIST FILE --key KEYRING", O_JSON | O_KEY,
	    BY_NOBODY, run_member_import },
	{ "member", "refresh", 1, "LIST [ADDRESS]", O_JSON, BY_NOBODY,
	    run_member_refresh },
	{ "member", "key", 2, "LIST ADDRESS (--key FILE | --fetch)",
	    O_JSON | O_KEY | O_FETCH, BY_NOBODY, run_member_key },
	{ "advisory", "ls", 1, "LIST", O_JSON, TEAM, run_advisory_ls },
	{ "advisory", "show", 2, "LIST ID", O_JSON, TEAM, run_advisory_show },
	{ "advisory", "release", 2, "LIST ID", 0, TEAM, run_advisory_release },
	{ "advisory", "export", 2, "LIST ID --format json|xml|text", O_FORMAT,
	    TEAM, run_advisory_export },
	{ "report", NULL, 1, "LIST [--html FILE] [--subjects]", O_JSON |
	    O_HTML | O_SUBJECTS, TEAM, run_report },
	{ "audit", NULL, 1, "LIST [--advisory ID]", O_JSON | O_ADVISORY, ADMIN,
	    run_audit },
	{ "queue", "retry", 1, "LIST [ID] [--member ADDRESS]", O_MEMBER, ADMIN,
	    run_queue_retry },
	{ "queue", NULL, 1, "LIST", O_JSON, ADMIN, run_queue },
	{ "held", "ls", 1, "LIST", O_JSON, MODERATORS, run_held_ls },
	{ "held", "show", 2, "LIST ID [--message]", O_JSON | O_MESSAGE,
	    MODERATORS, run_held_show },
	{ "held", "approve", 2, "LIST ID", 0, MODERATORS, run_held_approve },
	{ "held", "reject", 2, "LIST ID [--reason TEXT]", O_REASON, MODERATORS,
	    run_held_reject },
	{ "keys", NULL, 1, "LIST", 0, EVERYONE, run_keys },
	{ "help", NULL, 1, "LIST", 0, EVERYONE, run_help },
	{ "inject", NULL, 1, "ADDRESS [--sender ADDRESS] < MESSAGE", O_SENDER,
	    BY_NOBODY, run_inject },
	{ "mta-map", NULL, 0, "[--transport NEXTHOP]", O_JSON | O_TRANSPORT,
	    BY_NOBODY, run_mta_map },
	{ "backup", NULL, 1, "DIR", 0, BY_NOBODY, run_backup },
};

void
command_usage(FILE *f, const char *prefix, bool by_mail, unsigned role_bit)
{
	const char *args;
	size_t i;

	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		if (by_mail && (cmds[i].by_mail & role_bit) == 0)
			continue;
		args = cmds[i].args;
		if (by_mail && strncmp(args, "LIST", 4) == 0)
			args += 4 + strspn(args + 4, " ");
		fprintf(f, "%s%s%s%s%s%s\n", prefix, cmds[i].word1,
		    cmds[i].word2 ? " " : "", cmds[i].word2 ? cmds[i].word2 : "",
		    *args ? " " : "", args);
	}
}

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "policy", required_argument, NULL, 'p' },
	{ "public", required_argument, NULL, 'P' },
	{ "no-public", no_argument, NULL, 'N' },
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
	{ "member", required_argument, NULL, 'm' },
	{ "message", no_argument, NULL, 'M' },
	{ "transport", required_argument, NULL, 'T' },
	{ "publish-dir", required_argument, NULL, 'U' },
	{ "format", required_argument, NULL, 'F' },
	{ "html", required_argument, NULL, 'H' },
	{ "subjects", no_argument, NULL, 's' },
	{ "fetch", no_argument, NULL, 'X' },
	{ "database", required_argument, NULL, 'd' },
	{ "lists-dir", required_argument, NULL, 'L' },
	{ NULL, 0, NULL, 0 }
};

static int
usage_error(const struct opts *o, const char *fmt, const char *arg)
{
	fprintf(o->err, "%s%s: ", o->prog, o->name);
	fprintf(o->err, fmt, arg);
	fprintf(o->err, "\n");
	return EXIT_USAGE;
}

/*
 * Text that a command passes on (to the store, the audit log, mail) is one
 * line of UTF-8: a newline in --org would forge a line of member ls.
 */
int
command_check_text(const struct opts *o, const char *what, const char *v)
{
	static const char *const names[] = { [0x09] = "a tab",
	    [0x0a] = "a newline", [0x0d] = "a carriage return" };
	const unsigned char *p;
	char msg[160];
	json_t *utf8;

	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p >= 0x20 && *p != 0x7f)
			continue;
		if (*p < sizeof names / sizeof names[0] && names[*p] != NULL)
			snprintf(msg, sizeof msg, "%s contains %s: control "
			    "characters are not allowed", what, names[*p]);
		else
			snprintf(msg, sizeof msg, "%s contains control "
			    "character 0x%02x: control characters are not "
			    "allowed", what, *p);
		return usage_error(o, "%s", msg);
	}
	if ((utf8 = json_string(v)) == NULL)	/* jansson checks UTF-8 */
		return usage_error(o, "%s is not valid UTF-8", what);
	json_decref(utf8);
	return 0;
}

/* The positional arguments: named as in the command's usage. */
static int
check_args(const struct opts *o, const struct cmd *c, char **args, int n)
{
	const char *w = c->args;
	char what[32];
	size_t len;
	int i;

	for (i = 0; i < n; i++) {
		w += strspn(w, " ");
		len = strcspn(w, " ");
		snprintf(what, sizeof what, "%.*s", (int)len, w);
		w += len;
		if (command_check_text(o, what, args[i]) != 0)
			return EXIT_USAGE;
	}
	return 0;
}

static int
add_multi(const struct opts *o, const char **v, size_t *n, const char *arg,
    const char *what)
{
	if (*n == MAX_MULTI)
		return usage_error(o, "too many %s options", what);
	v[(*n)++] = arg;
	return 0;
}

static int
parse_long(const struct opts *o, const char *arg, long *out)
{
	char *end;

	*out = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || *out < 0)
		return usage_error(o, "--installed-base '%s' is not a whole "
		    "number of guests", arg);
	return 0;
}

/* One option's value into o; 0 or the exit status of a usage error. */
static int
set_opt(struct opts *o, int ch, char *arg, const char *seen)
{
	switch (ch) {
	case 'j': o->json = true; return 0;
	case 'p': o->policy = arg; return 0;
	case 'P': return add_multi(o, o->public, &o->npublic, arg, "--public");
	case 'N': o->no_public = true; return 0;
	case 'k': o->key = arg; return 0;
	case 'r': o->role = arg; return 0;
	case 'o': o->org = arg; return 0;
	case 'C': o->category = arg; return 0;
	case 'b': return parse_long(o, arg, &o->installed_base);
	case 'v': o->vouched_by = arg; return 0;
	case 'e':
		return add_multi(o, o->evidence, &o->nevidence, arg,
		    "--evidence");
	case 'a': o->agreed = true; return 0;
	case 'J': o->justification = arg; return 0;
	case 'A': o->actor = arg; return 0;
	case 'S': o->sender = arg; return 0;
	case 'D': o->advisory = arg; return 0;
	case 'R': o->reason = arg; return 0;
	case 'M': o->message = true; return 0;
	case 'T': o->transport = arg; return 0;
	case 'U': o->publish_dir = arg; return 0;
	case 'F': o->format = arg; return 0;
	case 'H': o->html = arg; return 0;
	case 's': o->subjects = true; return 0;
	case 'X': o->fetch = true; return 0;
	case 'd': o->database = arg; return 0;
	case 'L': o->lists_dir = arg; return 0;
	case 'm': o->member = arg; return 0;
	case ':': return usage_error(o, "%s needs a value", seen);
	default: return usage_error(o, "unknown option %s", seen);
	}
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
		{ 'N', O_NO_PUBLIC }, { 'M', O_MESSAGE }, { 'T', O_TRANSPORT },
		{ 'U', O_PUBLISH_DIR }, { 'F', O_FORMAT }, { 'H', O_HTML },
		{ 's', O_SUBJECTS }, { 'X', O_FETCH }, { 'd', O_SCHLEUDER },
		{ 'm', O_MEMBER },
		{ 'L', O_SCHLEUDER },
	};
	char what[40];
	size_t i;
	int ch, li = -1, rc;

	opterr = 0;
	optind = 0;	/* glibc: 0 re-initialises the permutation state */
	while ((ch = getopt_long(argc, argv, ":", long_opts, &li)) != -1) {
		for (i = 0; i < sizeof bits / sizeof bits[0]; i++)
			if (bits[i].ch == ch && (bits[i].bit & allowed) == 0)
				return usage_error(o, o->by_mail && (bits[i].bit &
				    O_FILES) ? "%s names a file on the server: "
				    "not by mail (attach a key instead)" :
				    "%s does not apply here: see help",
				    argv[optind - 1]);
		if (ch == 'A' && o->by_mail)
			return usage_error(o, "%s: by mail, the signer is the "
			    "actor", argv[optind - 1]);
		if (ch != ':' && ch != '?' && optarg != NULL) {
			snprintf(what, sizeof what, "--%s", long_opts[li].name);
			if ((rc = command_check_text(o, what, optarg)) != 0)
				return rc;
		}
		if ((rc = set_opt(o, ch, optarg, argv[optind - 1])) != 0)
			return rc;
	}
	*nargs = argc - optind;
	return 0;
}

/* The arguments a command may take beyond nargs: "[NAME]" in its usage. */
static int
optional_args(const struct cmd *c)
{
	const char *p;
	int n = 0;

	for (p = c->args; (p = strchr(p, '[')) != NULL; p++)
		n += p[1] != '-';
	return n;
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
command_parse(int argc, char **argv, const char *list, unsigned role_bit,
    struct cmd_call *call)
{
	struct opts *o = &call->o;
	const struct cmd *c;
	int words = 0, nargs = 0, want, rc, i;

	o->installed_base = -1;
	o->role_bit = role_bit;
	if ((c = find_cmd(argc, argv, &words)) == NULL) {
		snprintf(o->name, sizeof o->name, "%.30s%s%.30s",
		    argc > 0 ? argv[0] : "", argc > 1 ? " " : "",
		    argc > 1 ? argv[1] : "");
		return usage_error(o, "%s", "unknown command: see help");
	}
	snprintf(o->name, sizeof o->name, "%s%s%s", c->word1,
	    c->word2 ? " " : "", c->word2 ? c->word2 : "");
	call->cmd = c;
	if (o->by_mail && (c->by_mail & role_bit) == 0)
		return usage_error(o, "%s", c->by_mail == BY_NOBODY ? "not by "
		    "mail: on the list server only" : "your role may not send "
		    "this command: see help");
	/* getopt_long wants argv[0] to be a program name: keep the last word. */
	argc -= words - 1;
	argv += words - 1;
	if ((rc = parse_opts(argc, argv, c->allowed & (o->by_mail ? ~(unsigned)O_FILES :
	    ~0u), o, &nargs)) != 0)
		return rc;
	want = c->nargs - (list != NULL);
	if (nargs < want || nargs > want + optional_args(c)) {
		fprintf(o->err, "%s%s: expected %s\n", o->prog, o->name,
		    c->nargs ? c->args : "no arguments");
		return EXIT_USAGE;
	}
	call->args = argv + optind;
	if (list != NULL) {
		call->with_list[0] = (char *)list;
		for (i = 0; i < nargs; i++)
			call->with_list[i + 1] = call->args[i];
		call->args = call->with_list;
	}
	return check_args(o, c, call->args, nargs + (list != NULL));
}

int
command_exec(struct admin *a, struct cmd_call *call)
{
	return call->cmd->run(a, call->args, &call->o);
}

int
command_split(const char *line, char ***argv, int *argc, struct pd_err *err)
{
	size_t len = strlen(line), max = len / 2 + 2;
	char **v, *w, quote = '\0';
	const char *p;
	bool in_word = false;
	int n = 0;

	*argv = NULL;
	*argc = 0;
	if ((v = malloc(max * sizeof *v + len + 1)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	w = (char *)(v + max);
	for (p = line; *p != '\0'; p++) {
		if (quote == '\0' && (*p == ' ' || *p == '\t')) {
			if (in_word)
				*w++ = '\0';
			in_word = false;
			continue;
		}
		if (!in_word) {
			v[n++] = w;
			in_word = true;
		}
		if (quote == '\0' && (*p == '\'' || *p == '"'))
			quote = *p;
		else if (quote != '\0' && *p == quote)
			quote = '\0';
		else if (*p == '\\' && quote != '\'' && p[1] != '\0')
			*w++ = *++p;
		else
			*w++ = *p;
	}
	*w = '\0';
	v[n] = NULL;
	if (quote != '\0') {
		free(v);
		return pd_fail(err, PD_REFUSED, "a %s quote is not closed",
		    quote == '"' ? "double" : "single");
	}
	*argv = v;
	*argc = n;
	return 0;
}
