/*
 * tests/unit/test_command.c: the command table and parser shared by
 * listctl and mail to LIST-request@ (listd/command.h): shell-like splitting
 * of a mail line, the by-mail roles, options refused by mail; and who a
 * member's post goes to (listd/memberpost.h).  No gpg, no store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listd/command.h"
#include "listd/memberpost.h"
#include "tap.h"

#define LIST	"sec@lists.example.org"

/* Splits line; the words joined by '|', or "ERROR: why". */
static const char *
split(const char *line)
{
	static char buf[512];
	struct pd_err err = { 0 };
	char **v;
	int n, i;

	if (command_split(line, &v, &n, &err) == -1) {
		snprintf(buf, sizeof buf, "ERROR: %.400s", err.text);
		return buf;
	}
	buf[0] = '\0';
	for (i = 0; i < n; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s",
		    i ? "|" : "", v[i]);
	if (v[n] != NULL)
		snprintf(buf, sizeof buf, "ERROR: not NULL-terminated");
	free(v);
	return buf;
}

/* Parses line as mail from role: 0 or the usage status; what it said. */
static int
by_mail(const char *line, enum pol_role role, struct cmd_call *c,
    char **said)
{
	struct pd_err err = { 0 };
	static char **v;
	size_t len;
	FILE *f;
	int n, rc;

	free(v);
	*said = NULL;
	if (command_split(line, &v, &n, &err) == -1)
		return -1;
	f = open_memstream(said, &len);
	memset(c, 0, sizeof *c);
	c->o = (struct opts){ .out = f, .err = f, .prog = "", .by_mail = true };
	rc = command_parse(n, v, LIST, BY_ROLE(role), c);
	fclose(f);
	return rc;
}

static void
test_split(void)
{
	is_str(split("held approve 2026-x"), "held|approve|2026-x", "words");
	is_str(split("  held\t ls  "), "held|ls", "blanks around and between");
	is_str(split("held reject X --reason \"not for us\""),
	    "held|reject|X|--reason|not for us", "double quotes group");
	is_str(split("a 'it\"s' b"), "a|it\"s|b", "single quotes keep double");
	is_str(split("a \"x\\\"y\" b\\ c"), "a|x\"y|b c", "backslash escapes");
	is_str(split("a 'x\\y'"), "a|x\\y", "not inside single quotes");
	is_str(split("a ''"), "a|", "an empty quoted word is a word");
	is_str(split(""), "", "nothing: no words");
	like(split("held reject X --reason \"open"), "ERROR: a double quote "
	    "is not closed", "an open quote is refused");
}

static void
test_roles(void)
{
	struct cmd_call c;
	char *said;

	ok(by_mail("held approve ID", POL_ROLE_MODERATOR, &c, &said) == 0,
	    "a moderator may mail held approve");
	is_str(c.args[0], LIST, "the list comes first, from the request address");
	is_str(c.args[1], "ID", "then the arguments");
	free(said);
	ok(by_mail("held approve ID", POL_ROLE_MEMBER, &c, &said) == EXIT_USAGE,
	    "a member may not");
	like(said, "your role may not send this command", "and is told why");
	free(said);
	ok(by_mail("advisory release XSA-1", POL_ROLE_TEAM, &c, &said) == 0,
	    "the team may release an advisory");
	free(said);
	ok(by_mail("advisory release XSA-1", POL_ROLE_MODERATOR, &c,
	    &said) != 0, "a moderator may not");
	free(said);
	ok(by_mail("member suspend a@b.example", POL_ROLE_ADMIN, &c,
	    &said) == 0, "an admin may suspend a member");
	free(said);
	ok(by_mail("keys", POL_ROLE_MEMBER, &c, &said) == 0 &&
	    by_mail("help", POL_ROLE_REPORTER, &c, &said) == 0,
	    "everyone may ask for keys and help");
	free(said);
	ok(by_mail("list create x@y.example --policy xen", POL_ROLE_ADMIN, &c,
	    &said) != 0, "list create is for the server only");
	like(said, "not by mail", "saying so");
	free(said);
	ok(by_mail("inject " LIST, POL_ROLE_ADMIN, &c, &said) != 0,
	    "so is inject");
	free(said);
	ok(by_mail("member add a@b.example --role member --key /etc/passwd",
	    POL_ROLE_ADMIN, &c, &said) == EXIT_USAGE,
	    "--key FILE is refused by mail");
	like(said, "names a file on the server", "as a file on the server");
	free(said);
	ok(by_mail("held ls --actor Eve", POL_ROLE_ADMIN, &c, &said) != 0,
	    "--actor is refused by mail");
	free(said);
	ok(by_mail("held ls " LIST, POL_ROLE_ADMIN, &c, &said) == EXIT_USAGE,
	    "by mail the list is not given again");
	free(said);
	ok(by_mail("held reject ID --reason \"a\tb\"", POL_ROLE_ADMIN, &c,
	    &said) == EXIT_USAGE, "control characters are refused as on the "
	    "command line");
	free(said);
	ok(by_mail("frobnicate", POL_ROLE_ADMIN, &c, &said) == EXIT_USAGE,
	    "an unknown command is refused");
	free(said);
}

/* A post signed by one key whose owner s is. */
static bool
member_post_of(const struct signer *s, enum pol_member_posts mp,
    struct decision *d)
{
	struct signer signers[KEYS_MAX_SIGS] = { *s };
	struct auth a;

	memset(&a, 0, sizeof a);
	memset(d, 0, sizeof *d);
	a.sigs.n = 1;
	a.sigs.sig[0].state = KEYS_SIG_GOOD;
	snprintf(a.sigs.sig[0].fpr, sizeof a.sigs.sig[0].fpr, "%040d", 7);
	a.sigs.sig[0].created = 1796000000;
	snprintf(a.sigs.sig[0].id, sizeof a.sigs.sig[0].id, "sigid");
	d->reason = HOLD_NOT_TEAM;
	return member_post(&a, signers, mp, d);
}

static void
test_member_posts(void)
{
	struct signer vendor = { .member = true, .address = "security@v.example",
	    .role = POL_ROLE_MEMBER, .active = true };
	struct signer reporter = vendor, suspended = vendor;
	struct decision d;

	reporter.role = POL_ROLE_REPORTER;
	suspended.active = false;
	ok(member_post_of(&vendor, POL_MEMBERS_TEAM, &d) && d.to_team,
	    "member-posts = team: a vendor's post goes to the team");
	is_str(d.signer_address, "security@v.example", "named by its signer");
	is_str(d.sig_id, "sigid", "with its signature for replays");
	ok(member_post_of(&vendor, POL_MEMBERS_HOLD, &d) && !d.to_team,
	    "member-posts = hold: it stays held");
	is_str(d.tell, "security@v.example", "and the vendor is told");
	like(d.text, "member-posts = hold", "why it waits");
	ok(!member_post_of(&reporter, POL_MEMBERS_TEAM, &d) && !d.to_team,
	    "a reporter's post is left to its thread");
	ok(!member_post_of(&suspended, POL_MEMBERS_TEAM, &d),
	    "a suspended member's is not a member's post");
}

int
main(void)
{
	test_split();
	test_roles();
	test_member_posts();
	return done_testing();
}
