/*
 * policy/pol_check.c: the checks a profile's values must pass, run by
 * libconfuse as pol_load.c reads the file (see pol_int.h).  Each refuses a
 * bad value at its line with what to write instead.  Two settings that
 * must agree (max-days and max-extended-days, ...) are compared when the
 * second of them is read, or at the section's closing brace when one was
 * left at its default; a section may appear once.
 */
#include <confuse.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy/pol_int.h"
#include "policy/policy.h"

#define POL_MAX_EMBARGO_DAYS	365
#define POL_MAX_VALIDITY_DAYS	3650
#define POL_MAX_RSA_BITS	16384
#define POL_MAX_NAME		64
#define POL_MAX_EVIDENCE	100

/* Key algorithms by gpgme's name without size; `encrypts`: can be a subkey
 * that encrypts. */
static const struct {
	const char	*name;
	bool		 encrypts;
} known_algos[] = {
	{ "rsa", true }, { "dsa", false }, { "elg", true },
	{ "ed25519", false }, { "cv25519", true },
	{ "ed448", false }, { "cv448", true },
	{ "nistp256", true }, { "nistp384", true }, { "nistp521", true },
	{ "brainpoolP256r1", true }, { "brainpoolP384r1", true },
	{ "brainpoolP512r1", true }, { "secp256k1", true }
};

/* An integer setting within [min, max] (LONG_MAX: no maximum). */
static int
in_range(cfg_t *cfg, cfg_opt_t *opt, long min, long max)
{
	char want[64];
	long v;

	v = cfg_opt_getnint(opt, 0);
	if (v >= min && v <= max)
		return 0;
	if (max == LONG_MAX)
		snprintf(want, sizeof(want), "at least %ld", min);
	else
		snprintf(want, sizeof(want), "%ld to %ld", min, max);
	cfg_error(cfg, "%s = %ld is %s: use %s", opt->name, v,
	    v < 0 ? "negative" : "out of range", want);
	return -1;
}

/* Whether the file itself set the option (not its default). */
static bool
set_here(cfg_t *sec, const char *name)
{
	cfg_opt_t *opt;

	opt = cfg_getopt(sec, name);
	return opt != NULL && (opt->flags & CFGF_MODIFIED) != 0;
}

static const char *
deflt(cfg_t *sec, const char *name)
{
	return set_here(sec, name) ? "" : " (the default)";
}

/*
 * The pairs that must agree.  `final` is false while the section is read
 * (then only two values set in the file are compared) and true at its
 * closing brace.
 */
static int
agree_embargo(cfg_t *sec, bool final)
{
	long days, ext;

	if (!final && !(set_here(sec, "max-days") &&
	    set_here(sec, "max-extended-days")))
		return 0;
	days = cfg_getint(sec, "max-days");
	ext = cfg_getint(sec, "max-extended-days");
	if (ext >= days)
		return 0;
	cfg_error(sec, "max-extended-days %ld%s is less than max-days %ld%s: "
	    "an extended embargo cannot be shorter", ext,
	    deflt(sec, "max-extended-days"), days, deflt(sec, "max-days"));
	return -1;
}

static int
agree_membership(cfg_t *sec, bool final)
{
	if (!final && !(set_here(sec, "case-by-case") &&
	    set_here(sec, "min-installed-base")))
		return 0;
	if (!cfg_getbool(sec, "case-by-case") ||
	    cfg_getint(sec, "min-installed-base") > 0)
		return 0;
	cfg_error(sec, "case-by-case = true needs a min-installed-base above "
	    "0%s: there is no minimum to admit below",
	    deflt(sec, "min-installed-base"));
	return -1;
}

static int
agree_moderation(cfg_t *sec, bool final)
{
	if (!final && !(set_here(sec, "auto-reply") &&
	    set_here(sec, "non-member")))
		return 0;
	if (!cfg_getbool(sec, "auto-reply") ||
	    cfg_getint(sec, "non-member") != POL_ACT_REJECT)
		return 0;
	cfg_error(sec, "auto-reply = true contradicts non-member = reject%s: "
	    "the auto-reply tells the sender the post is held",
	    deflt(sec, "non-member"));
	return -1;
}

static int
v_max_days(cfg_t *cfg, cfg_opt_t *opt)
{
	if (in_range(cfg, opt, 1, POL_MAX_EMBARGO_DAYS) == -1)
		return -1;
	return agree_embargo(cfg, false);
}

static int
v_installed_base(cfg_t *cfg, cfg_opt_t *opt)
{
	if (in_range(cfg, opt, 0, LONG_MAX) == -1)
		return -1;
	return agree_membership(cfg, false);
}

static int
v_case_by_case(cfg_t *cfg, cfg_opt_t *opt)
{
	(void)opt;
	return agree_membership(cfg, false);
}

static int
v_moderation_pair(cfg_t *cfg, cfg_opt_t *opt)
{
	(void)opt;
	return agree_moderation(cfg, false);
}

/* Options that only need a range: one validator looks theirs up. */
static const struct {
	const char	*path, *name;
	long		 min, max;
} ranges[] = {
	{ "membership|min-evidence", "min-evidence", 0, POL_MAX_EVIDENCE },
	/* 0: never */
	{ "membership|bounce-suspend", "bounce-suspend", 0, 1000 },
	{ "keys|min-rsa-bits", "min-rsa-bits", 1024, POL_MAX_RSA_BITS },
	{ "keys|min-validity-days", "min-validity-days", 0,
	    POL_MAX_VALIDITY_DAYS },
	{ "keys|key-refresh-days", "key-refresh-days", 0,
	    POL_MAX_VALIDITY_DAYS },
	{ "moderation|max-message-size", "max-message-size", 1, LONG_MAX },
	{ "moderation|held-expire-days", "held-expire-days", 1,
	    POL_MAX_VALIDITY_DAYS },
	/* a century: as good as off */
	{ "moderation|max-signature-age", "max-signature-age", 1, 36500 },
};

static int
v_range(cfg_t *cfg, cfg_opt_t *opt)
{
	size_t i;

	for (i = 0; i < NELEM(ranges); i++)
		if (strcmp(ranges[i].name, opt->name) == 0)
			return in_range(cfg, opt, ranges[i].min, ranges[i].max);
	return 0;
}

int
pol_parse_duration(cfg_t *cfg, cfg_opt_t *opt, const char *value,
    void *result)
{
	static const struct {
		char	 unit;
		long	 secs;
	} units[] = { { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	const char *p = value;
	long n = 0;
	size_t i;

	for (; *p >= '0' && *p <= '9' && n <= POL_MAX_EMBARGO_DAYS * 1440L;
	    p++)
		n = n * 10 + (*p - '0');
	for (i = 0; p != value && p[0] != '\0' && p[1] == '\0' &&
	    i < NELEM(units); i++)
		if (*p == units[i].unit && n > 0 &&
		    n <= POL_MAX_EMBARGO_DAYS * 86400L / units[i].secs) {
			*(long *)result = n * units[i].secs;
			return 0;
		}
	cfg_error(cfg, "%s = %s: give a number and its unit, m, h or d "
	    "(e.g. 2d or 36h), from 1m to %dd", opt->name, value,
	    POL_MAX_EMBARGO_DAYS);
	return -1;
}

static int
v_name(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s;
	size_t len;

	s = cfg_opt_getnstr(opt, 0);
	len = s != NULL ? strlen(s) : 0;
	if (len > 0 && len <= POL_MAX_NAME && s[0] != '.' && s[0] != '-' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == len)
		return 0;
	cfg_error(cfg, "name \"%s\" is not usable: use up to %d letters, "
	    "digits, '.', '_' and '-'", s != NULL ? s : "", POL_MAX_NAME);
	return -1;
}

/* A list's callback runs after each value: check the newest. */
static const char *
last(cfg_opt_t *opt)
{
	const char *s;

	s = cfg_opt_getnstr(opt, cfg_opt_size(opt) - 1);
	return s != NULL ? s : "";
}

static bool
has_space(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return true;
	return false;
}

/* A word for a list: non-empty, no white space, no `bad` character. */
static int
v_word(cfg_t *cfg, cfg_opt_t *opt, const char *bad, const char *what)
{
	const char *s, *c;

	s = last(opt);
	if (*s == '\0') {
		cfg_error(cfg, "%s has an empty entry: give %s", opt->name,
		    what);
		return -1;
	}
	if (has_space(s)) {
		cfg_error(cfg, "%s entry \"%s\" contains white space: give %s",
		    opt->name, s, what);
		return -1;
	}
	if ((c = strpbrk(s, bad)) != NULL) {
		cfg_error(cfg, "%s entry \"%s\" contains '%c': give %s",
		    opt->name, s, *c, what);
		return -1;
	}
	return 0;
}

static int
v_local_part(cfg_t *cfg, cfg_opt_t *opt)
{
	return v_word(cfg, opt, "@,", "the local part only, e.g. security");
}

static int
v_domain(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s;

	if (v_word(cfg, opt, "@,/", "a domain, e.g. gmail.com") == -1)
		return -1;
	s = last(opt);
	if (s[0] != '.' && s[strlen(s) - 1] != '.')
		return 0;
	cfg_error(cfg, "%s entry \"%s\" starts or ends with '.': give a "
	    "domain, e.g. gmail.com (its subdomains are refused too)",
	    opt->name, s);
	return -1;
}

static int
v_category(cfg_t *cfg, cfg_opt_t *opt)
{
	return v_word(cfg, opt, ",", "a category, e.g. vendor");
}

static int
known_algo(const char *s)
{
	size_t i;

	for (i = 0; i < NELEM(known_algos); i++)
		if (strcasecmp(s, known_algos[i].name) == 0)
			return (int)i;
	return -1;
}

static int
v_algorithm(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *s;

	s = last(opt);
	if (known_algo(s) >= 0)
		return 0;
	cfg_error(cfg, "%s: unknown algorithm \"%s\": use gpg's names without "
	    "size, e.g. rsa, ed25519, cv25519, nistp256", opt->name, s);
	return -1;
}

/* Sections: each at most once, then the checks that need all of it. */
static cfg_t *
newest_sec(cfg_opt_t *opt)
{
	return cfg_opt_getnsec(opt, cfg_opt_size(opt) - 1);
}

static int
v_once(cfg_t *cfg, cfg_opt_t *opt)
{
	if (cfg_opt_size(opt) <= 1)
		return 0;
	cfg_error(cfg, "section %s appears again (the first one ends at line "
	    "%d): merge the two", opt->name, cfg_opt_getnsec(opt, 0)->line);
	return -1;
}

static int
v_membership(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec;

	if (v_once(cfg, opt) == -1)
		return -1;
	sec = newest_sec(opt);
	if (cfg_size(sec, "categories") == 0) {
		cfg_error(sec, "categories is empty: list the kinds of "
		    "organisation that may join, e.g. vendor");
		return -1;
	}
	return agree_membership(sec, true);
}

/* key-warn-days: at most POL_MAX_WARN days, each 1 to 3650. */
static int
warn_days_ok(cfg_t *sec)
{
	unsigned i, n = cfg_size(sec, "key-warn-days");
	long d;

	if (n > POL_MAX_WARN) {
		cfg_error(sec, "key-warn-days has %u days: give at most %d "
		    "(e.g. {30, 7, 1})", n, POL_MAX_WARN);
		return -1;
	}
	for (i = 0; i < n; i++) {
		d = cfg_getnint(sec, "key-warn-days", i);
		if (d < 1 || d > POL_MAX_VALIDITY_DAYS) {
			cfg_error(sec, "key-warn-days has %ld: give days from "
			    "1 to %d (e.g. {30, 7, 1})", d,
			    POL_MAX_VALIDITY_DAYS);
			return -1;
		}
	}
	return 0;
}

static int
v_keys(cfg_t *cfg, cfg_opt_t *opt)
{
	cfg_t *sec;
	unsigned i, n;
	int a;

	if (v_once(cfg, opt) == -1)
		return -1;
	sec = newest_sec(opt);
	if (warn_days_ok(sec) == -1)
		return -1;
	n = cfg_size(sec, "algorithms");
	for (i = 0; i < n; i++) {
		a = known_algo(cfg_getnstr(sec, "algorithms", i));
		if (a >= 0 && known_algos[a].encrypts)
			return 0;
	}
	cfg_error(sec, "algorithms has no algorithm that can encrypt: add "
	    "e.g. cv25519 or rsa");
	return -1;
}

static int
v_embargo(cfg_t *cfg, cfg_opt_t *opt)
{
	if (v_once(cfg, opt) == -1)
		return -1;
	return agree_embargo(newest_sec(opt), true);
}

static int
v_moderation(cfg_t *cfg, cfg_opt_t *opt)
{
	if (v_once(cfg, opt) == -1)
		return -1;
	return agree_moderation(newest_sec(opt), true);
}

static const struct {
	const char		*name;
	cfg_validate_callback_t	 fn;
} validators[] = {
	{ "name", v_name },
	{ "membership", v_membership },
	{ "membership|role-local-parts", v_local_part },
	{ "membership|refused-domains", v_domain },
	{ "membership|categories", v_category },
	{ "membership|min-installed-base", v_installed_base },
	{ "membership|case-by-case", v_case_by_case },
	{ "keys", v_keys },
	{ "keys|algorithms", v_algorithm },
	{ "embargo", v_embargo },
	{ "embargo|max-days", v_max_days },
	{ "embargo|max-extended-days", v_max_days },
	{ "moderation", v_moderation },
	{ "moderation|non-member", v_moderation_pair },
	{ "moderation|auto-reply", v_moderation_pair },
	{ "release", v_once }
};

void
pol_check_install(cfg_t *cfg)
{
	size_t i;

	for (i = 0; i < NELEM(validators); i++)
		cfg_set_validate_func(cfg, validators[i].name,
		    validators[i].fn);
	for (i = 0; i < NELEM(ranges); i++)
		cfg_set_validate_func(cfg, ranges[i].path, v_range);
}
