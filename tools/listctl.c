/*
 * tools/listctl.c: the admin command.  Parses the command line, calls the
 * command's runner (listctl_lists.c, listctl_posts.c), which calls the
 * operation in listd/admin.c and prints its JSON result as text or --json.
 * Exit status: 0 success, 1 refused or failed, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/owner.h"
#include "listd/conf.h"
#include "tools/listctl.h"

struct cmd {
	const char	*word1, *word2;	/* "member", "add" */
	int		 nargs;		/* positional arguments after the words */
	const char	*args;		/* their names, for usage */
	unsigned	 allowed;
	int		(*run)(struct admin *, char **args, struct opts *);
};

const char *lc_cmd_name = "listctl";	/* "member add" once known */

void
refused(const struct pd_err *err)
{
	fprintf(stderr, "listctl: %s: %s\n", lc_cmd_name, err->text);
}

int
failed(const struct pd_err *err)
{
	refused(err);
	return EXIT_REFUSED;
}

void
print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
	fputc('\n', stdout);
}

int
print_rows(json_t *rows, const struct opts *o, void (*row)(const json_t *))
{
	const json_t *r;
	size_t i;

	if (o->json)
		print_json(rows);
	else
		json_array_foreach(rows, i, r)
			row(r);
	json_decref(rows);
	return 0;
}

static const struct cmd cmds[] = {
	{ "list", "create", 1, "ADDRESS", O_JSON | O_POLICY | O_PUBLIC | O_KEY,
	    run_list_create },
	{ "list", "import-schleuder", 1, "ADDRESS --policy NAME|FILE "
	    "[--database DB] [--lists-dir DIR] [--public ADDRESS]...",
	    O_JSON | O_POLICY | O_PUBLIC | O_SCHLEUDER, run_list_import_schleuder },
	{ "list", "ls", 0, "", O_JSON, run_list_ls },
	{ "list", "show", 1, "ADDRESS", O_JSON, run_list_show },
	{ "list", "set", 1, "LIST [--public ADDRESS]... [--no-public] "
	    "[--policy NAME|FILE] [--publish-dir DIR]", O_JSON | O_PUBLIC |
	    O_NO_PUBLIC | O_POLICY | O_PUBLISH_DIR, run_list_set },
	{ "member", "add", 2, "LIST ADDRESS", O_JSON | O_ROLE | O_KEY | O_ORG |
	    O_CATEGORY | O_BASE | O_VOUCH | O_EVIDENCE | O_AGREED | O_JUSTIFY |
	    O_FETCH, run_member_add },
	{ "member", "remove", 2, "LIST ADDRESS", 0, run_member_remove },
	{ "member", "ls", 1, "LIST", O_JSON, run_member_ls },
	{ "member", "check", 1, "LIST", O_JSON, run_member_check },
	{ "member", "suspend", 2, "LIST ADDRESS", 0, run_member_suspend },
	{ "member", "resume", 2, "LIST ADDRESS", 0, run_member_resume },
	{ "member", "import", 2, "LIST FILE --key KEYRING", O_JSON | O_KEY,
	    run_member_import },
	{ "member", "refresh", 1, "LIST [ADDRESS]", O_JSON, run_member_refresh },
	{ "member", "key", 2, "LIST ADDRESS (--key FILE | --fetch)",
	    O_JSON | O_KEY | O_FETCH, run_member_key },
	{ "advisory", "ls", 1, "LIST", O_JSON, run_advisory_ls },
	{ "advisory", "show", 2, "LIST ID", O_JSON, run_advisory_show },
	{ "advisory", "release", 2, "LIST ID", 0, run_advisory_release },
	{ "advisory", "export", 2, "LIST ID --format json|xml|text", O_FORMAT,
	    run_advisory_export },
	{ "report", NULL, 1, "LIST [--html FILE] [--subjects]", O_JSON |
	    O_HTML | O_SUBJECTS, run_report },
	{ "audit", NULL, 1, "LIST [--advisory ID]", O_JSON | O_ADVISORY,
	    run_audit },
	{ "queue", "retry", 1, "LIST [ID] [--member ADDRESS]", O_MEMBER,
	    run_queue_retry },
	{ "queue", NULL, 1, "LIST", O_JSON, run_queue },
	{ "held", "ls", 1, "LIST", O_JSON, run_held_ls },
	{ "held", "show", 2, "LIST ID", O_JSON, run_held_show },
	{ "held", "approve", 2, "LIST ID", 0, run_held_approve },
	{ "held", "reject", 2, "LIST ID [--reason TEXT]", O_REASON,
	    run_held_reject },
	{ "inject", NULL, 1, "ADDRESS [--sender ADDRESS] < MESSAGE", O_SENDER,
	    run_inject },
	{ "mta-map", NULL, 0, "[--transport NEXTHOP]", O_JSON | O_TRANSPORT,
	    run_mta_map },
	{ "backup", NULL, 1, "DIR", 0, run_backup },
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
	{ "member", required_argument, NULL, 'M' },
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
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "listctl: %s: ", lc_cmd_name);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	return -1;
}

/*
 * Text that listctl passes on (to the store, the audit log, mail) is one
 * line of UTF-8: a newline in --org would forge a line of member ls.
 */
static int
check_text(const char *what, const char *v)
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
		return usage_error("%s", msg);
	}
	if ((utf8 = json_string(v)) == NULL)	/* jansson checks UTF-8 */
		return usage_error("%s is not valid UTF-8", what);
	json_decref(utf8);
	return 0;
}

/* The positional arguments: named as in the command's usage. */
static int
check_args(const struct cmd *c, char **args, int n)
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
		if (check_text(what, args[i]) == -1)
			return -1;
	}
	return 0;
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
		{ 'N', O_NO_PUBLIC }, { 'T', O_TRANSPORT }, { 'U', O_PUBLISH_DIR },
		{ 'F', O_FORMAT },
		{ 'H', O_HTML }, { 's', O_SUBJECTS },
		{ 'X', O_FETCH }, { 'd', O_SCHLEUDER }, { 'L', O_SCHLEUDER },
		{ 'M', O_MEMBER },
	};
	char what[40];
	size_t i;
	int ch, li = -1;

	opterr = 0;
	optind = 0;	/* glibc: 0 re-initialises the permutation state */
	while ((ch = getopt_long(argc, argv, ":", long_opts, &li)) != -1) {
		for (i = 0; i < sizeof bits / sizeof bits[0]; i++)
			if (bits[i].ch == ch && (bits[i].bit & allowed) == 0)
				return usage_error("%s does not apply here: see "
				    "listctl --help", argv[optind - 1]);
		if (ch != ':' && ch != '?' && optarg != NULL) {
			snprintf(what, sizeof what, "--%s", long_opts[li].name);
			if (check_text(what, optarg) == -1)
				return -1;
		}
		switch (ch) {
		case 'j': o->json = true; break;
		case 'p': o->policy = optarg; break;
		case 'P':
			if (add_multi(o->public, &o->npublic, optarg,
			    "--public") == -1)
				return -1;
			break;
		case 'N': o->no_public = true; break;
		case 'X': o->fetch = true; break;
		case 'd': o->database = optarg; break;
		case 'L': o->lists_dir = optarg; break;
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
		case 'M': o->member = optarg; break;
		case 'T': o->transport = optarg; break;
		case 'U': o->publish_dir = optarg; break;
		case 'F': o->format = optarg; break;
		case 'H': o->html = optarg; break;
		case 's': o->subjects = true; break;
		case ':':
			return usage_error("%s needs a value", argv[optind - 1]);
		default:
			return usage_error("unknown option %s", argv[optind - 1]);
		}
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

/*
 * A file named on the command line that root can read and the datadir's
 * owner perhaps cannot (a key in /root): read before the switch, and
 * handed on afterwards as a file of the owner's in memory.
 */
struct stash {
	const char	**path;
	char		*text;
	size_t		 len;
	char		 fd_path[40];
};

static void
stash_read(struct stash *s, const char **path)
{
	struct pd_err ignore;

	s->path = path;
	if (*path != NULL && read_file(*path, 64 << 20, &s->text, &s->len,
	    &ignore) == -1)
		s->text = NULL;
}

static int
stash_hand_on(struct stash *s, struct pd_err *err)
{
	int fd;

	if (s->text == NULL || access(*s->path, R_OK) == 0)
		goto out;
	if ((fd = memfd_create("listctl-file", MFD_CLOEXEC)) == -1 ||
	    write(fd, s->text, s->len) != (ssize_t)s->len)
		return pd_fail(err, PD_FAIL, "cannot hand %s on: %s", *s->path,
		    strerror(errno));
	snprintf(s->fd_path, sizeof s->fd_path, "/proc/self/fd/%d", fd);
	*s->path = s->fd_path;
out:
	free(s->text);
	s->text = NULL;
	return 0;
}

/*
 * Works on the datadir as its owner (common/owner.h): as root, becomes
 * the owner first, the files named by --key and --policy read before.
 * backup's DIR is made for the owner then too.
 */
static int
take_datadir(const struct conf *conf, const struct cmd *c, char **args,
    struct opts *o, struct pd_err *err)
{
	static struct stash key, policy;
	struct owner ow;

	if (owner_check(conf->datadir, "listctl", &ow, err) == -1)
		return -1;
	if (ow.become) {
		stash_read(&key, &o->key);
		stash_read(&policy, &o->policy);
		if (c->run == run_backup && backup_dir_for(args[0], ow.uid,
		    ow.gid, err) == -1)
			return -1;
	}
	if (owner_take(conf->datadir, &ow, err) == -1 ||
	    stash_hand_on(&key, err) == -1 ||
	    stash_hand_on(&policy, err) == -1)
		return -1;
	return 0;
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
	lc_cmd_name = name;
	/* getopt_long wants argv[0] to be a program name: keep the last word. */
	argc -= words - 1;
	argv += words - 1;
	if (parse_opts(argc, argv, c->allowed, &o, &nargs) == -1)
		return EXIT_USAGE;
	if (nargs < c->nargs || nargs > c->nargs + optional_args(c)) {
		fprintf(stderr, "listctl: %s: expected %s\n", name,
		    c->nargs ? c->args : "no arguments");
		return EXIT_USAGE;
	}
	if (check_args(c, argv + optind, nargs) == -1 ||
	    (actor != NULL && check_text("--actor", actor) == -1) ||
	    (conf_path != NULL && check_text("-c", conf_path) == -1))
		return EXIT_USAGE;
	if (o.actor == NULL)
		o.actor = actor;
	if (conf_load(conf_path, &conf, &err) == -1 ||
	    take_datadir(conf, c, argv + optind, &o, &err) == -1 ||
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
