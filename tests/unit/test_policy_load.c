/*
 * tests/unit/test_policy_load.c: pol_load() on the shipped profiles and on
 * the malformed ones in tests/unit/profiles/, and the name functions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "policy/policy.h"
#include "tap.h"

static void
path_of(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", srcdir(), rel);
}

static bool
has(const struct pol_strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

static struct policy *
load_ok(const char *rel)
{
	struct policy *pol = NULL;
	char path[1024], err[512] = "stale";
	int rc;

	path_of(path, sizeof(path), rel);
	rc = pol_load(path, &pol, err, sizeof(err));
	ok(rc == 0 && pol != NULL && err[0] == '\0', "%s loads, no error",
	    rel);
	if (rc != 0)
		diag("%s", err);
	return pol;
}

static void
test_xen(void)
{
	struct policy *p;

	if ((p = load_ok("policy/xen.conf")) == NULL)
		return;
	is_str(p->name, "xen", "xen: name");
	ok(p->min_installed_base == 300000, "xen: min-installed-base 300000");
	ok(p->case_by_case, "xen: case-by-case");
	ok(!p->require_voucher, "xen: no voucher required");
	ok(p->min_evidence == 1, "xen: one evidence link");
	ok(p->require_org && p->require_agreement, "xen: org and agreement");
	ok(p->role_local_parts.n == 9 && has(&p->role_local_parts, "security")
	    && has(&p->role_local_parts, "psirt"), "xen: role local parts");
	ok(has(&p->refused_domains, "gmail.com") &&
	    has(&p->refused_domains, "163.com"), "xen: free-mail refused");
	ok(p->categories.n == 4 && has(&p->categories, "hosting-provider") &&
	    has(&p->categories, "large-user"), "xen: four categories");
	ok(has(&p->key_algorithms, "brainpoolP512r1") &&
	    !has(&p->key_algorithms, "dsa"), "xen: algorithms");
	ok(p->min_rsa_bits == 2048 && p->min_key_validity_days == 30,
	    "xen: rsa 2048, 30 days");
	ok(p->nkey_warn_days == 3 && p->key_warn_days[0] == 30 &&
	    p->key_warn_days[1] == 7 && p->key_warn_days[2] == 1,
	    "xen: key warnings at 30, 7 and 1 days");
	ok(p->embargo_max_days == 14 && p->embargo_max_extended_days == 31,
	    "xen: embargo 14/31");
	ok(p->updates == POL_UPDATES_SUPPRESS, "xen: updates suppress");
	ok(p->backfill_new_members, "xen: backfill");
	ok(!p->embargo_none_to_members, "xen: Embargo: none not to members");
	ok(p->non_member == POL_ACT_HOLD && p->unsigned_post == POL_ACT_HOLD &&
	    p->oversize == POL_ACT_REJECT, "xen: hold, hold, reject");
	ok(!p->auto_reply, "xen: no auto-reply");
	ok(p->max_message_size == 10485760UL, "xen: 10 MiB");
	ok(p->held_expire_days == 30, "xen: held mail expires after 30 days");
	ok(!p->reporter_plaintext && p->reporter_followups == POL_FOLLOW_HOLD,
	    "xen: reporters: no plaintext, follow-ups held");
	ok(p->release_copy_members, "xen: release copied to members");
	ok(p->date_changes == POL_DATES_NOTIFY, "xen: date-changes notify");
	ok(!p->restarts, "xen: restarts refused");
	ok(p->require_cve == POL_CVE_ALWAYS, "xen: require-cve always");
	ok(p->max_signature_age_days == 4, "xen: max-signature-age 4");
	ok(p->max_request_age_secs == 86400 &&
	    p->member_posts == POL_MEMBERS_TEAM,
	    "xen: max-request-age 1d, member-posts team");
	pol_free(p);
}

static void
test_libvirt(void)
{
	struct policy *p;

	if ((p = load_ok("policy/libvirt.conf")) == NULL)
		return;
	is_str(p->name, "libvirt", "libvirt: name");
	ok(p->require_voucher, "libvirt: voucher required");
	ok(p->held_expire_days == 60, "libvirt: held reports wait 60 days");
	ok(p->require_agreement, "libvirt: agreement required");
	ok(p->min_installed_base == 0 && !p->case_by_case,
	    "libvirt: no installed base");
	ok(p->min_evidence == 0, "libvirt: no evidence needed");
	ok(p->role_local_parts.n == 0, "libvirt: any local part");
	ok(p->categories.n == 2 && has(&p->categories, "vendor") &&
	    has(&p->categories, "distributor"), "libvirt: vendor, distributor");
	ok(p->embargo_max_days == 14 && p->embargo_max_extended_days == 31,
	    "libvirt: embargo 14/31");
	ok(p->updates == POL_UPDATES_DELIVER, "libvirt: updates deliver");
	ok(p->embargo_none_to_members, "libvirt: Embargo: none to members");
	ok(p->auto_reply && p->non_member == POL_ACT_HOLD,
	    "libvirt: non-members held, auto-reply");
	ok(!p->release_copy_members, "libvirt: no release copy");
	ok(p->reporter_plaintext, "libvirt: replies to keyless reporters in "
	    "plaintext");
	ok(p->reporter_followups == POL_FOLLOW_ACCEPT,
	    "libvirt: a reporter's follow-ups accepted");
	ok(p->date_changes == POL_DATES_NOTIFY, "libvirt: date-changes notify");
	ok(p->restarts, "libvirt: restarts allowed");
	ok(p->require_cve == POL_CVE_BEFORE_RELEASE &&
	    p->cve_reminder_secs == 2 * 86400,
	    "libvirt: require-cve before-release, reminder 2d");
	ok(p->max_signature_age_days == 4, "libvirt: max-signature-age 4");
	ok(p->max_request_age_secs == 86400 &&
	    p->member_posts == POL_MEMBERS_TEAM,
	    "libvirt: max-request-age 1d, member-posts team");
	pol_free(p);
}

static void
test_defaults(void)
{
	struct policy *p;

	/* Comments inside a list, '#' and "//" inside strings. */
	if ((p = load_ok("tests/unit/profiles/comments.conf")) == NULL)
		return;
	is_str(p->name, "comments", "name");
	ok(p->categories.n == 3 && has(&p->categories, "odd#one") &&
	    has(&p->categories, "http://x"), "comments blanked, strings kept");
	ok(p->require_voucher && p->min_evidence == 1 && p->require_org &&
	    p->require_agreement, "default membership is strict");
	ok(p->min_rsa_bits == 3072 && p->updates == POL_UPDATES_SUPPRESS &&
	    !p->backfill_new_members && !p->auto_reply &&
	    !p->release_copy_members && !p->embargo_none_to_members &&
	    !p->reporter_plaintext && p->reporter_followups == POL_FOLLOW_HOLD,
	    "conservative defaults elsewhere");
	ok(p->date_changes == POL_DATES_HOLD && !p->restarts &&
	    p->require_cve == POL_CVE_NEVER && p->cve_reminder_secs == 172800 &&
	    p->max_signature_age_days == 4,
	    "default: date changes held, no restarts, no CVE, 2d, 4 days");
	ok(p->max_request_age_secs == 86400 &&
	    p->member_posts == POL_MEMBERS_HOLD,
	    "default: commands by mail 1d old at most, members' posts held");
	ok(p->role_local_parts.n == 9 && p->key_algorithms.n == 11,
	    "default lists");
	ok(p->nkey_warn_days == 0 && p->key_refresh_days == 0,
	    "default: no key warnings, no refresh");
	pol_free(p);
}

struct bad {
	const char	*file;
	int		 line;		/* 0: "FILE: " with no line */
	const char	*says;
};

static const struct bad bad[] = {
	{ "unknown-key.conf", 4, "no such option 'colour'" },
	{ "unknown-section.conf", 3, "no such option 'publicity'" },
	{ "wrong-type-int.conf", 4, "invalid integer value for option "
	    "'min-installed-base'" },
	{ "wrong-type-bool.conf", 4, "invalid boolean value for option "
	    "'require-org'" },
	{ "bad-enum.conf", 4, "updates = sometimes: use suppress, deliver or "
	    "on-request" },
	{ "bad-action.conf", 5, "unsigned = drop: use hold or reject" },
	{ "bad-followups.conf", 4, "reporter-followups = yes: use hold, "
	    "signed or accept" },
	{ "bad-member-posts.conf", 4, "member-posts = all: use hold or team" },
	{ "request-age-no-unit.conf", 4, "max-request-age = 24: give a number "
	    "and its unit" },
	{ "extended-lt-max.conf", 6, "max-extended-days 10 is less than "
	    "max-days 20" },
	{ "extended-lt-default.conf", 6, "max-extended-days 31 (the default) "
	    "is less than max-days 40" },
	{ "max-days-zero.conf", 4, "max-days = 0 is out of range: use 1 to "
	    "365" },
	{ "negative.conf", 4, "min-evidence = -1 is negative" },
	{ "negative-base.conf", 4, "min-installed-base = -300000 is "
	    "negative" },
	{ "warn-days-zero.conf", 5, "key-warn-days has 0: give days from 1 to "
	    "3650" },
	{ "refresh-negative.conf", 4, "key-refresh-days = -1 is negative" },
	{ "rsa-bits-low.conf", 4, "min-rsa-bits = 512 is out of range: use "
	    "1024" },
	{ "unknown-algorithm.conf", 7, "unknown algorithm \"rsa4096\"" },
	{ "sign-only-algorithms.conf", 6, "no algorithm that can encrypt" },
	{ "local-part-at.conf", 4, "\"psirt@vendor.example\" contains '@'" },
	{ "local-part-empty.conf", 4, "role-local-parts has an empty entry" },
	{ "case-by-case-no-min.conf", 5, "case-by-case = true needs a "
	    "min-installed-base above 0" },
	{ "case-by-case-min-after.conf", 5, "case-by-case = true needs a "
	    "min-installed-base above 0:" },
	{ "case-by-case-default-min.conf", 6, "min-installed-base above 0 "
	    "(the default)" },
	{ "autoreply-reject.conf", 6, "auto-reply = true contradicts "
	    "non-member = reject" },
	{ "max-size-zero.conf", 4, "max-message-size = 0 is out of range" },
	{ "categories-empty.conf", 6, "categories is empty" },
	{ "duplicate-section.conf", 9, "section embargo appears again (the "
	    "first one ends at line 5)" },
	{ "comment-lines.conf", 9, "max-days = 0 is out of range" },
	{ "env-var.conf", 4, "environment variables are not expanded" },
	{ "unclosed-string.conf", 4, "string opened here is never closed" },
	{ "bad-name.conf", 2, "name \"my policy\" is not usable" },
	{ "nameless.conf", 0, "no name setting" },
	{ "bad-date-changes.conf", 4, "date-changes = silent: use hold or "
	    "notify" },
	{ "bad-restarts.conf", 4, "restarts = yes: use refuse or allow" },
	{ "bad-require-cve.conf", 4, "require-cve = sometimes: use never, "
	    "before-release or always" },
	{ "duration-no-unit.conf", 4, "cve-reminder = 2: give a number and its "
	    "unit, m, h or d" },
	{ "duration-long.conf", 4, "cve-reminder = 400d: give a number and its "
	    "unit, m, h or d (e.g. 2d or 36h), from 1m to 365d" },
	{ "signature-age-zero.conf", 4, "max-signature-age = 0 is out of "
	    "range: use 1 to 36500" },
	{ "does-not-exist.conf", 0, "No such file or directory" },
};

static void
test_bad(const struct bad *b)
{
	struct policy *pol = (struct policy *)&pol;	/* not NULL */
	char path[1024], err[512] = "", want[1100];
	int rc;

	snprintf(path, sizeof(path), "%s/tests/unit/profiles/%s", srcdir(), b->file);
	if (b->line > 0)
		snprintf(want, sizeof(want), "%s:%d: ", path, b->line);
	else
		snprintf(want, sizeof(want), "%s: ", path);
	rc = pol_load(path, &pol, err, sizeof(err));
	ok(rc == -1 && pol == NULL, "%s: refused, *out NULL", b->file);
	ok(strncmp(err, want, strlen(want)) == 0, "%s: error at %s", b->file,
	    want);
	if (strncmp(err, want, strlen(want)) != 0)
		diag("got '%s'", err);
	like(err, b->says, "%s: says what is wrong", b->file);
	ok(strchr(err, '\n') == NULL, "%s: one line", b->file);
}

/*
 * A profile written into the build directory (the source may be read-only):
 * returns 0 and the file's name in path, or -1.
 */
static int
write_profile(char *path, size_t len, const char *text)
{
	FILE *fp;
	int fd;

	snprintf(path, len, "test_policy_load-XXXXXX.conf");
	if ((fd = mkstemps(path, 5)) == -1)
		return -1;
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(path);
		return -1;
	}
	fputs(text, fp);
	if (fclose(fp) != 0) {
		unlink(path);
		return -1;
	}
	return 0;
}

/* The embargo section's none-to-members: a boolean, set or refused. */
static void
test_none_to_members(void)
{
	struct policy *pol = (struct policy *)&pol;	/* not NULL */
	char path[64], err[512] = "", want[128];

	if (write_profile(path, sizeof(path), "name = \"n\"\n"
	    "embargo {\n\tnone-to-members = yes\n}\n") == -1) {
		ok(0, "none-to-members = yes: profile written");
		return;
	}
	ok(pol_load(path, &pol, err, sizeof(err)) == 0 && pol != NULL &&
	    pol->embargo_none_to_members, "none-to-members = yes is read");
	pol_free(pol);
	unlink(path);

	if (write_profile(path, sizeof(path), "# Not a boolean.\n"
	    "name = \"n\"\nembargo {\n\tnone-to-members = sometimes\n}\n")
	    == -1) {
		ok(0, "none-to-members = sometimes: profile written");
		return;
	}
	snprintf(want, sizeof(want), "%s:4: ", path);
	ok(pol_load(path, &pol, err, sizeof(err)) == -1 && pol == NULL,
	    "none-to-members = sometimes: refused, *out NULL");
	ok(strncmp(err, want, strlen(want)) == 0,
	    "none-to-members = sometimes: error at %s", want);
	like(err, "invalid boolean value for option 'none-to-members'",
	    "none-to-members = sometimes: says what is wrong");
	if (strncmp(err, want, strlen(want)) != 0)
		diag("got '%s'", err);
	unlink(path);
}

/*
 * pol_free(NULL) in a child of its own, so that a crash fails this one test
 * instead of ending the program.  Returns whether the child exited 0.
 */
static bool
free_null_survives(void)
{
	pid_t pid;
	int st;

	if ((pid = fork()) == -1)
		return false;
	if (pid == 0) {
		pol_free(NULL);
		_exit(0);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return false;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		diag("pol_free(NULL): the child %s %d", WIFSIGNALED(st) ?
		    "died of signal" : "exited", WIFSIGNALED(st) ?
		    WTERMSIG(st) : WEXITSTATUS(st));
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void
test_edges(void)
{
	struct policy *pol = NULL;
	char err[16];
	char path[1024];

	ok(free_null_survives(), "pol_free(NULL) is a no-op");
	path_of(path, sizeof(path), "tests/unit/profiles");
	ok(pol_load(path, &pol, NULL, 0) == -1 && pol == NULL,
	    "a directory is refused, with no error buffer");
	path_of(path, sizeof(path), "tests/unit/profiles/negative.conf");
	ok(pol_load(path, &pol, err, sizeof(err)) == -1 &&
	    strlen(err) == sizeof(err) - 1, "a short error buffer truncates");
	path_of(path, sizeof(path), "policy/xen.conf");
	ok(pol_load(path, &pol, err, sizeof(err)) == 0 && pol != NULL,
	    "a load after a failure on the same thread succeeds");
	pol_free(pol);
}

static void
test_names(void)
{
	enum pol_role r = POL_ROLE_MEMBER;

	is_str(pol_updates_name(POL_UPDATES_ON_REQUEST), "on-request",
	    "updates name");
	is_str(pol_action_name(POL_ACT_REJECT), "reject", "action name");
	is_str(pol_role_name(POL_ROLE_MODERATOR), "moderator", "role name");
	ok(pol_role_parse("reporter", &r) == 0 && r == POL_ROLE_REPORTER,
	    "role parse reporter");
	is_str(pol_followups_name(POL_FOLLOW_SIGNED), "signed",
	    "follow-ups name");
	ok(pol_role_parse("admin", &r) == 0 && r == POL_ROLE_ADMIN,
	    "role parse admin");
	ok(pol_role_parse("team", &r) == 0 && r == POL_ROLE_TEAM,
	    "role parse team");
	ok(pol_role_parse("root", &r) == -1 && r == POL_ROLE_TEAM,
	    "unknown role refused, out untouched");
	is_str(pol_rule_name(POL_R_LOCAL_PART), "local-part", "rule name first");
	is_str(pol_rule_name(POL_R_INSTALLED_BASE), "installed-base",
	    "rule name installed-base");
	is_str(pol_rule_name(POL_R_KEY_NO_ENCRYPT), "key-no-encrypt",
	    "rule name key-no-encrypt");
	is_str(pol_rule_name(POL_R_KEY_SIZE), "key-size", "rule name last");
	is_str(pol_rule_name((enum pol_rule)99), "unknown",
	    "rule name out of range");
}

int
main(void)
{
	size_t i;

	test_xen();
	test_libvirt();
	test_defaults();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		test_bad(&bad[i]);
	test_none_to_members();
	test_edges();
	test_names();
	return done_testing();
}
