/*
 * policy/pol_load.c: reads a profile (libconfuse syntax) into a struct policy.
 *
 * The option tables hold every setting with its conservative default;
 * the validation callbacks (pol_check.c) refuse a bad value at its line.
 * Sections are CFGF_MULTI only so that a repeated section can be seen and
 * refused.
 *
 * The file is read through common/cfread.c, which keeps libconfuse's line
 * numbers right and refuses ${VAR} expansion.
 */
#include <sys/stat.h>

#include <confuse.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/cfread.h"
#include "policy/pol_int.h"
#include "policy/policy.h"

static const cfg_opt_t membership_opts[] = {
	CFG_STR_LIST("role-local-parts", "{security, secalert, psirt, "
	    "security-alert, product-security, cert, csirt, vulnerability, "
	    "vuln}", CFGF_NONE),
	CFG_STR_LIST("refused-domains", "{gmail.com, googlemail.com, "
	    "yahoo.com, hotmail.com, outlook.com, live.com, aol.com, gmx.de, "
	    "gmx.net, mail.ru, yandex.ru, protonmail.com, proton.me, "
	    "icloud.com, qq.com, 163.com}", CFGF_NONE),
	CFG_STR_LIST("categories", "{vendor, distributor}", CFGF_NONE),
	CFG_BOOL("require-org", cfg_true, CFGF_NONE),
	CFG_INT("min-installed-base", 0, CFGF_NONE),
	CFG_BOOL("case-by-case", cfg_false, CFGF_NONE),
	CFG_BOOL("require-voucher", cfg_true, CFGF_NONE),
	CFG_INT("min-evidence", 1, CFGF_NONE),
	CFG_BOOL("require-agreement", cfg_true, CFGF_NONE),
	CFG_INT("bounce-suspend", 3, CFGF_NONE),
	CFG_END()
};

static const cfg_opt_t keys_opts[] = {
	CFG_STR_LIST("algorithms", "{rsa, ed25519, cv25519, ed448, cv448, "
	    "nistp256, nistp384, nistp521, brainpoolP256r1, brainpoolP384r1, "
	    "brainpoolP512r1}", CFGF_NONE),
	CFG_INT("min-rsa-bits", 3072, CFGF_NONE),
	CFG_INT("min-validity-days", 30, CFGF_NONE),
	CFG_INT_LIST("key-warn-days", "{}", CFGF_NONE),
	CFG_INT("key-refresh-days", 0, CFGF_NONE),
	CFG_END()
};

/* The settings that take one of a few names (the tables below). */
static int	parse_named(cfg_t *, cfg_opt_t *, const char *, void *);

static const cfg_opt_t embargo_opts[] = {
	CFG_INT("max-days", 14, CFGF_NONE),
	CFG_INT("max-extended-days", 31, CFGF_NONE),
	CFG_INT_CB("updates", POL_UPDATES_SUPPRESS, CFGF_NONE, parse_named),
	CFG_BOOL("backfill-new-members", cfg_false, CFGF_NONE),
	CFG_BOOL("none-to-members", cfg_false, CFGF_NONE),
	CFG_INT_CB("date-changes", POL_DATES_HOLD, CFGF_NONE, parse_named),
	CFG_INT_CB("restarts", 0, CFGF_NONE, parse_named),
	CFG_INT_CB("require-cve", POL_CVE_NEVER, CFGF_NONE, parse_named),
	CFG_INT_CB("cve-reminder", 2 * 86400, CFGF_NONE, pol_parse_duration),
	CFG_END()
};

static const cfg_opt_t moderation_opts[] = {
	CFG_INT_CB("non-member", POL_ACT_HOLD, CFGF_NONE, parse_named),
	CFG_INT_CB("unsigned", POL_ACT_HOLD, CFGF_NONE, parse_named),
	CFG_INT_CB("oversize", POL_ACT_REJECT, CFGF_NONE, parse_named),
	CFG_BOOL("auto-reply", cfg_false, CFGF_NONE),
	CFG_INT("max-message-size", 10485760, CFGF_NONE),
	CFG_INT("held-expire-days", 30, CFGF_NONE),
	CFG_INT("max-signature-age", 4, CFGF_NONE),
	CFG_INT_CB("max-request-age", 86400, CFGF_NONE, pol_parse_duration),
	CFG_INT_CB("member-posts", POL_MEMBERS_HOLD, CFGF_NONE, parse_named),
	CFG_BOOL("reporter-plaintext", cfg_false, CFGF_NONE),
	CFG_INT_CB("reporter-followups", POL_FOLLOW_HOLD, CFGF_NONE,
	    parse_named),
	CFG_END()
};

static const cfg_opt_t release_opts[] = {
	CFG_BOOL("copy-members", cfg_false, CFGF_NONE),
	CFG_END()
};

static const cfg_opt_t root_opts[] = {
	CFG_STR("name", NULL, CFGF_NONE),
	CFG_SEC("membership", (cfg_opt_t *)membership_opts, CFGF_MULTI),
	CFG_SEC("keys", (cfg_opt_t *)keys_opts, CFGF_MULTI),
	CFG_SEC("embargo", (cfg_opt_t *)embargo_opts, CFGF_MULTI),
	CFG_SEC("moderation", (cfg_opt_t *)moderation_opts, CFGF_MULTI),
	CFG_SEC("release", (cfg_opt_t *)release_opts, CFGF_MULTI),
	CFG_END()
};

static const char *const updates_names[] = {
	[POL_UPDATES_SUPPRESS] = "suppress",
	[POL_UPDATES_DELIVER] = "deliver",
	[POL_UPDATES_ON_REQUEST] = "on-request"
};

static const char *const action_names[] = {
	[POL_ACT_HOLD] = "hold",
	[POL_ACT_REJECT] = "reject"
};

static const char *const followups_names[] = {
	[POL_FOLLOW_HOLD] = "hold",
	[POL_FOLLOW_SIGNED] = "signed",
	[POL_FOLLOW_ACCEPT] = "accept"
};

static const char *const member_posts_names[] = {
	[POL_MEMBERS_HOLD] = "hold",
	[POL_MEMBERS_TEAM] = "team"
};

static const char *const date_changes_names[] = {
	[POL_DATES_HOLD] = "hold",
	[POL_DATES_NOTIFY] = "notify"
};

static const char *const restarts_names[] = { "refuse", "allow" };

static const char *const require_cve_names[] = {
	[POL_CVE_NEVER] = "never",
	[POL_CVE_BEFORE_RELEASE] = "before-release",
	[POL_CVE_ALWAYS] = "always"
};

static const char *const role_names[] = {
	[POL_ROLE_MEMBER] = "member",
	[POL_ROLE_TEAM] = "team",
	[POL_ROLE_MODERATOR] = "moderator",
	[POL_ROLE_ADMIN] = "admin",
	[POL_ROLE_REPORTER] = "reporter"
};

static const char *const rule_names[] = {
	[POL_R_LOCAL_PART] = "local-part",
	[POL_R_DOMAIN] = "domain",
	[POL_R_ORG] = "org",
	[POL_R_CATEGORY] = "category",
	[POL_R_INSTALLED_BASE] = "installed-base",
	[POL_R_VOUCHER] = "voucher",
	[POL_R_EVIDENCE] = "evidence",
	[POL_R_AGREEMENT] = "agreement",
	[POL_R_KEY_MISSING] = "key-missing",
	[POL_R_KEY_REVOKED] = "key-revoked",
	[POL_R_KEY_EXPIRED] = "key-expired",
	[POL_R_KEY_VALIDITY] = "key-validity",
	[POL_R_KEY_NO_ENCRYPT] = "key-no-encrypt",
	[POL_R_KEY_UID] = "key-uid",
	[POL_R_KEY_ALGORITHM] = "key-algorithm",
	[POL_R_KEY_SIZE] = "key-size"
};

static const char *
name_of(const char *const *names, size_t n, unsigned i)
{
	return i < n && names[i] != NULL ? names[i] : "unknown";
}

const char *
pol_updates_name(enum pol_updates u)
{
	return name_of(updates_names, NELEM(updates_names), u);
}

const char *
pol_action_name(enum pol_action a)
{
	return name_of(action_names, NELEM(action_names), a);
}

const char *
pol_followups_name(enum pol_followups f)
{
	return name_of(followups_names, NELEM(followups_names), f);
}

const char *
pol_role_name(enum pol_role r)
{
	return name_of(role_names, NELEM(role_names), r);
}

const char *
pol_rule_name(enum pol_rule r)
{
	return name_of(rule_names, NELEM(rule_names), r);
}

int
pol_role_parse(const char *s, enum pol_role *out)
{
	size_t i;

	for (i = 0; s != NULL && i < NELEM(role_names); i++)
		if (strcmp(s, role_names[i]) == 0) {
			*out = (enum pol_role)i;
			return 0;
		}
	return -1;
}

/* Parse callbacks for the enumerations: value -> long. */
static int
parse_enum(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result,
    const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(value, names[i]) == 0) {
			*(long *)result = (long)i;
			return 0;
		}
	if (n == 2)
		cfg_error(cfg, "%s = %s: use %s or %s", opt->name, value,
		    names[0], names[1]);
	else
		cfg_error(cfg, "%s = %s: use %s, %s or %s", opt->name, value,
		    names[0], names[1], names[2]);
	return -1;
}

/* Which names each of them takes, by the setting's name. */
static const struct {
	const char		*setting;
	const char *const	*names;
	size_t			 n;
} named[] = {
#define N(setting, names)	{ setting, names, NELEM(names) }
	N("updates", updates_names),
	N("non-member", action_names),
	N("unsigned", action_names),
	N("oversize", action_names),
	N("reporter-followups", followups_names),
	N("member-posts", member_posts_names),
	N("date-changes", date_changes_names),
	N("restarts", restarts_names),
	N("require-cve", require_cve_names),
#undef N
};

static int
parse_named(cfg_t *cfg, cfg_opt_t *opt, const char *value, void *result)
{
	size_t i;

	for (i = 0; i < NELEM(named); i++)
		if (strcmp(opt->name, named[i].setting) == 0)
			return parse_enum(cfg, opt, value, result,
			    named[i].names, named[i].n);
	cfg_error(cfg, "%s: no names known for this setting", opt->name);
	return -1;
}

static cfg_t *
section(cfg_t *cfg, const char *name)
{
	cfg_value_t *val;

	if (cfg_size(cfg, name) > 0)
		return cfg_getsec(cfg, name);
	/* Absent: one section with the defaults. */
	val = cfg_setopt(cfg, cfg_getopt(cfg, name), NULL);
	return val != NULL ? val->section : NULL;
}

static int
copy_list(cfg_t *sec, const char *name, struct pol_strlist *l)
{
	unsigned n;

	n = cfg_size(sec, name);
	if ((l->v = calloc(n + 1, sizeof(*l->v))) == NULL)
		return -1;
	for (; l->n < n; l->n++)
		if ((l->v[l->n] = strdup(cfg_getnstr(sec, name, l->n))) == NULL)
			return -1;
	return 0;
}

/* The `name` setting: required, since the profile is copied elsewhere. */
static int
copy_name(cfg_t *cfg, const char *path, struct policy *pol)
{
	const char *s;

	if ((s = cfg_getstr(cfg, "name")) == NULL) {
		cfread_set_err(path, 0, "no name setting: add name = \"...\" to name "
		    "the profile");
		return -1;
	}
	return (pol->name = strdup(s)) != NULL ? 0 : -1;
}

static int
copy_membership(cfg_t *m, struct policy *pol)
{
	if (copy_list(m, "role-local-parts", &pol->role_local_parts) == -1 ||
	    copy_list(m, "refused-domains", &pol->refused_domains) == -1 ||
	    copy_list(m, "categories", &pol->categories) == -1)
		return -1;
	pol->min_installed_base = cfg_getint(m, "min-installed-base");
	pol->case_by_case = cfg_getbool(m, "case-by-case");
	pol->require_org = cfg_getbool(m, "require-org");
	pol->require_voucher = cfg_getbool(m, "require-voucher");
	pol->min_evidence = (unsigned)cfg_getint(m, "min-evidence");
	pol->bounce_suspend = (unsigned)cfg_getint(m, "bounce-suspend");
	pol->require_agreement = cfg_getbool(m, "require-agreement");
	return 0;
}

/* key-warn-days, checked already, from the longest to the shortest. */
static void
copy_warn_days(cfg_t *k, struct policy *pol)
{
	unsigned d, i, j, n = cfg_size(k, "key-warn-days");

	for (i = 0; i < n && i < POL_MAX_WARN; i++) {
		d = (unsigned)cfg_getnint(k, "key-warn-days", i);
		for (j = pol->nkey_warn_days; j > 0 &&
		    pol->key_warn_days[j - 1] < d; j--)
			pol->key_warn_days[j] = pol->key_warn_days[j - 1];
		pol->key_warn_days[j] = d;
		pol->nkey_warn_days++;
	}
}

static int
copy_rest(cfg_t *k, cfg_t *e, cfg_t *mo, cfg_t *r, struct policy *pol)
{
	if (copy_list(k, "algorithms", &pol->key_algorithms) == -1)
		return -1;
	pol->min_rsa_bits = (unsigned)cfg_getint(k, "min-rsa-bits");
	pol->min_key_validity_days = (unsigned)cfg_getint(k,
	    "min-validity-days");
	copy_warn_days(k, pol);
	pol->key_refresh_days = (unsigned)cfg_getint(k, "key-refresh-days");
	pol->embargo_max_days = (unsigned)cfg_getint(e, "max-days");
	pol->embargo_max_extended_days = (unsigned)cfg_getint(e,
	    "max-extended-days");
	pol->updates = (enum pol_updates)cfg_getint(e, "updates");
	pol->backfill_new_members = cfg_getbool(e, "backfill-new-members");
	pol->embargo_none_to_members = cfg_getbool(e, "none-to-members");
	pol->date_changes = (enum pol_date_changes)cfg_getint(e,
	    "date-changes");
	pol->restarts = cfg_getint(e, "restarts") != 0;
	pol->require_cve = (enum pol_require_cve)cfg_getint(e, "require-cve");
	pol->cve_reminder_secs = (unsigned long)cfg_getint(e, "cve-reminder");
	pol->non_member = (enum pol_action)cfg_getint(mo, "non-member");
	pol->unsigned_post = (enum pol_action)cfg_getint(mo, "unsigned");
	pol->oversize = (enum pol_action)cfg_getint(mo, "oversize");
	pol->auto_reply = cfg_getbool(mo, "auto-reply");
	pol->max_message_size = (unsigned long)cfg_getint(mo,
	    "max-message-size");
	pol->held_expire_days = (unsigned)cfg_getint(mo, "held-expire-days");
	pol->max_signature_age_days = (unsigned)cfg_getint(mo,
	    "max-signature-age");
	pol->max_request_age_secs = (unsigned long)cfg_getint(mo,
	    "max-request-age");
	pol->member_posts = (enum pol_member_posts)cfg_getint(mo,
	    "member-posts");
	pol->reporter_plaintext = cfg_getbool(mo, "reporter-plaintext");
	pol->reporter_followups = (enum pol_followups)cfg_getint(mo,
	    "reporter-followups");
	pol->release_copy_members = cfg_getbool(r, "copy-members");
	return 0;
}

/* Copies everything out of cfg; on failure the error is set. */
static struct policy *
copy_policy(cfg_t *cfg, const char *path)
{
	struct policy *pol;
	cfg_t *m, *k, *e, *mo, *r;

	if ((pol = calloc(1, sizeof(*pol))) == NULL ||
	    copy_name(cfg, path, pol) == -1)
		goto nomem;
	if ((m = section(cfg, "membership")) == NULL ||
	    (k = section(cfg, "keys")) == NULL ||
	    (e = section(cfg, "embargo")) == NULL ||
	    (mo = section(cfg, "moderation")) == NULL ||
	    (r = section(cfg, "release")) == NULL)
		goto nomem;
	if (copy_membership(m, pol) == -1 || copy_rest(k, e, mo, r, pol) == -1)
		goto nomem;
	return pol;
nomem:
	cfread_set_err(path, 0, "out of memory");	/* unless copy_name said why */
	pol_free(pol);
	return NULL;
}

static cfg_t *
conf_new(const char *path)
{
	cfg_t *cfg;

	if ((cfg = cfread_init((cfg_opt_t *)root_opts, path)) == NULL)
		return NULL;
	pol_check_install(cfg);
	return cfg;
}

/* Loads text (len bytes; NULL: the file at path), errors naming path. */
static int
load(const char *path, const char *text, size_t len, struct policy **out,
    char *err, size_t errlen)
{
	struct policy *pol = NULL;
	cfg_t *cfg = NULL;

	*out = NULL;
	cfread_reset();
	if ((cfg = conf_new(path)) == NULL)
		cfread_set_err(path, 0, "out of memory");
	else if ((text != NULL ? cfread_parse_buf(cfg, path, text, len) :
	    cfread_parse(cfg, path)) == 0)
		pol = copy_policy(cfg, path);
	if (cfg != NULL)
		cfread_free(cfg);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", pol == NULL ? cfread_error() : "");
	*out = pol;
	return pol != NULL ? 0 : -1;
}

int
pol_load(const char *path, struct policy **out, char *err, size_t errlen)
{
	return load(path, NULL, 0, out, err, errlen);
}

int
pol_load_text(const char *name, const char *text, size_t len,
    struct policy **out, char *err, size_t errlen)
{
	return load(name, text != NULL ? text : "", len, out, err, errlen);
}

static void
strlist_free(struct pol_strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
pol_free(struct policy *pol)
{
	if (pol == NULL)
		return;
	free(pol->name);
	strlist_free(&pol->role_local_parts);
	strlist_free(&pol->refused_domains);
	strlist_free(&pol->categories);
	strlist_free(&pol->key_algorithms);
	free(pol);
}
