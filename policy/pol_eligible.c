/*
 * policy/pol_eligible.c: who may join a list, and whether a key will do.
 *
 * Pure: no I/O, no globals, `now` comes from the caller.  Every failing rule
 * adds one reason (one line: what is wrong, what to do), so an applicant
 * learns everything at once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/util.h"
#include "policy/policy.h"

#define DAY	86400

struct day {
	char	 s[32];
};

void
pol_verdict_init(struct pol_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->allow = true;
	v->enc_subkey = -1;
}

/* Control characters from the caller's strings would break the line. */
static void
one_line(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void add(struct pol_verdict *, enum pol_rule, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
add(struct pol_verdict *v, enum pol_rule rule, const char *fmt, ...)
{
	va_list ap;

	v->allow = false;
	if (v->n >= POL_MAX_REASONS)
		return;
	v->reason[v->n].rule = rule;
	va_start(ap, fmt);
	vsnprintf(v->reason[v->n].text, sizeof(v->reason[v->n].text), fmt, ap);
	va_end(ap);
	one_line(v->reason[v->n].text);
	v->n++;
}

/* UTC YYYY-MM-DD. */
static struct day
ymd(time_t t)
{
	struct day d;

	fmt_time(t, "%Y-%m-%d", d.s, sizeof(d.s));
	return d;
}

/* A (sub)key's name in a message. */
static const char *
kid(const struct kf_subkey *s)
{
	return s->keyid[0] != '\0' ? s->keyid : "(no key ID)";
}

static bool
blank(const char *s)
{
	if (s == NULL)
		return true;
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\t')
			return false;
	return true;
}

static bool
in_list(const struct pol_strlist *l, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strlen(l->v[i]) == len && strncasecmp(l->v[i], s, len) == 0)
			return true;
	return false;
}

/* "a<sfx>, b<sfx>, c<sfx>..." from the first max entries of l. */
static const char *
join(const struct pol_strlist *l, size_t max, const char *sfx, char *buf,
    size_t len)
{
	size_t i, used = 0;
	int r;

	buf[0] = '\0';
	for (i = 0; i < l->n && i < max && used < len; i++) {
		r = snprintf(buf + used, len - used, "%s%s%s", i > 0 ? ", " : "",
		    l->v[i], sfx);
		if (r < 0)
			break;
		used += (size_t)r;
	}
	if (i < l->n && used < len)
		snprintf(buf + used, len - used, "...");
	return buf;
}

/* The vendor criteria, for the member role. */

static void
check_address(const struct pol_candidate *c, const struct policy *pol,
    struct pol_verdict *v)
{
	const char *addr, *at, *dom, *r;
	size_t llen, dlen, rlen, i;
	char ex[80];

	addr = c->address != NULL ? c->address : "";
	at = strrchr(addr, '@');
	llen = at != NULL ? (size_t)(at - addr) : strlen(addr);
	dom = at != NULL ? at + 1 : "";
	if (pol->role_local_parts.n > 0 &&
	    !in_list(&pol->role_local_parts, addr, llen))
		add(v, POL_R_LOCAL_PART, "%s is not a role address: use %s of "
		    "the organisation", addr,
		    join(&pol->role_local_parts, 3, "@", ex, sizeof(ex)));
	dlen = strlen(dom);
	for (i = 0; i < pol->refused_domains.n; i++) {
		r = pol->refused_domains.v[i];
		rlen = strlen(r);
		if (dlen == rlen && strcasecmp(dom, r) == 0) {
			add(v, POL_R_DOMAIN, "%s is a free-mail domain the "
			    "policy refuses: use the organisation's own domain",
			    dom);
			return;
		}
		if (dlen > rlen && dom[dlen - rlen - 1] == '.' &&
		    strcasecmp(dom + dlen - rlen, r) == 0) {
			add(v, POL_R_DOMAIN, "%s is under %s, a free-mail domain "
			    "the policy refuses: use the organisation's own "
			    "domain", dom, r);
			return;
		}
	}
}

static void
check_org_category(const struct pol_candidate *c, const struct policy *pol,
    struct pol_verdict *v)
{
	char ex[120];

	if (pol->require_org && blank(c->org))
		add(v, POL_R_ORG, "no organisation given: give --org with the "
		    "organisation's name");
	if (blank(c->category))
		add(v, POL_R_CATEGORY, "no category given: give --category, "
		    "one of %s", join(&pol->categories, pol->categories.n, "",
		    ex, sizeof(ex)));
	else if (!in_list(&pol->categories, c->category, strlen(c->category)))
		add(v, POL_R_CATEGORY, "category %.40s is not one the policy "
		    "admits: use one of %s", c->category,
		    join(&pol->categories, pol->categories.n, "", ex,
		    sizeof(ex)));
}

static void
check_installed_base(const struct pol_candidate *c, const struct policy *pol,
    struct pol_verdict *v)
{
	long min = pol->min_installed_base;

	if (min <= 0 || c->installed_base >= min)
		return;
	if (pol->case_by_case && !blank(c->justification)) {
		snprintf(v->note, sizeof(v->note), "admitted case by case "
		    "below %ld: %s", min, c->justification);
		one_line(v->note);
	} else if (c->installed_base < 0)
		add(v, POL_R_INSTALLED_BASE, "no installed base given: the "
		    "policy's minimum is %ld; give --installed-base N%s", min,
		    pol->case_by_case ? ", or --justification for case-by-case "
		    "admission" : "");
	else
		add(v, POL_R_INSTALLED_BASE, "installed base %ld is below the "
		    "policy's minimum of %ld: %s", c->installed_base, min,
		    pol->case_by_case ? "give --justification for case-by-case "
		    "admission" : "the policy makes no exceptions");
}

static void
check_voucher(const struct pol_candidate *c, const struct policy *pol,
    struct pol_verdict *v)
{
	const char *who = c->vouched_by != NULL ? c->vouched_by : "the voucher";

	if (c->vouched_by != NULL && c->address != NULL &&
	    strcasecmp(c->vouched_by, c->address) == 0) {
		add(v, POL_R_VOUCHER, "%s cannot vouch for itself: ask an "
		    "active member of the list to vouch", who);
		return;
	}
	switch (c->voucher) {
	case POL_VOUCHER_NONE:
		if (pol->require_voucher)
			add(v, POL_R_VOUCHER, "no voucher: the policy needs an "
			    "active member of the list to vouch; give "
			    "--vouched-by ADDRESS");
		break;
	case POL_VOUCHER_ACTIVE:
		break;
	case POL_VOUCHER_UNKNOWN:
		add(v, POL_R_VOUCHER, "%s is not a member of the list and "
		    "cannot vouch: ask an active member", who);
		break;
	case POL_VOUCHER_SUSPENDED:
		add(v, POL_R_VOUCHER, "%s is suspended and cannot vouch: ask "
		    "an active member", who);
		break;
	}
}

static bool
is_url(const char *s)
{
	size_t n;

	if (s == NULL)
		return false;
	if (strncasecmp(s, "https://", 8) == 0)
		n = 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		n = 7;
	else
		return false;
	if (s[n] == '\0')
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static void
check_evidence(const struct pol_candidate *c, const struct policy *pol,
    struct pol_verdict *v)
{
	size_t i, good = 0;

	for (i = 0; i < c->nevidence; i++) {
		if (is_url(c->evidence[i]))
			good++;
		else
			add(v, POL_R_EVIDENCE, "evidence \"%.60s\" is not an "
			    "http(s) URL: give links showing the organisation "
			    "meets the criteria", c->evidence[i] != NULL ?
			    c->evidence[i] : "");
	}
	if (good < pol->min_evidence)
		add(v, POL_R_EVIDENCE, "%zu evidence link%s given, the policy "
		    "needs %u: give --evidence URL showing the organisation "
		    "meets the criteria", good, good == 1 ? "" : "s",
		    pol->min_evidence);
}

static void
vendor_criteria(const struct pol_candidate *c, const struct policy *pol,
    struct pol_verdict *v)
{
	check_address(c, pol, v);
	check_org_category(c, pol, v);
	check_installed_base(c, pol, v);
	check_voucher(c, pol, v);
	check_evidence(c, pol, v);
	if (pol->require_agreement && !c->agreed)
		add(v, POL_R_AGREEMENT, "the list's policy was not agreed to: "
		    "give --agreed once the organisation agrees to respect the "
		    "embargo");
}

/* The key rules. */

static bool
algo_ok(const struct policy *pol, const struct kf_subkey *s)
{
	return pol->key_algorithms.n == 0 ||
	    in_list(&pol->key_algorithms, s->algo, strnlen(s->algo,
	    sizeof(s->algo)));
}

/* RSA, and DSA and Elgamal whose sizes count the same way. */
static bool
size_ok(const struct policy *pol, const struct kf_subkey *s)
{
	if (strcasecmp(s->algo, "rsa") != 0 && strcasecmp(s->algo, "dsa") != 0 &&
	    strcasecmp(s->algo, "elg") != 0)
		return true;
	return s->bits >= pol->min_rsa_bits;
}

static bool
validity_ok(const struct policy *pol, const struct kf_subkey *s, time_t now)
{
	return s->expires == 0 || (s->expires > now && s->expires - now >=
	    (time_t)pol->min_key_validity_days * DAY);
}

static bool
alive(const struct kf_subkey *s, time_t now)
{
	return !s->revoked && !s->invalid && (s->expires == 0 || s->expires > now);
}

/* Validity, algorithm and size of one (sub)key; what: "key", ... */
static void
key_rules(const struct kf_subkey *s, const char *what,
    const struct policy *pol, time_t now, struct pol_verdict *v)
{
	char ex[80];

	if (!validity_ok(pol, s, now))
		add(v, POL_R_KEY_VALIDITY, "%s %.16s expires on %s, sooner than "
		    "the policy's %u days: extend its expiry", what, kid(s),
		    ymd(s->expires).s, pol->min_key_validity_days);
	if (!algo_ok(pol, s))
		add(v, POL_R_KEY_ALGORITHM, "%s %.16s uses %.15s, which the "
		    "policy does not allow: use %s", what, kid(s), s->algo,
		    join(&pol->key_algorithms, 4, "", ex, sizeof(ex)));
	if (!size_ok(pol, s))
		add(v, POL_R_KEY_SIZE, "%s %.16s is %.15s %u bits, below the "
		    "policy's minimum of %u: use a longer or an elliptic-curve "
		    "key", what, kid(s), s->algo, s->bits, pol->min_rsa_bits);
}

/* No encryption subkey alive: say why, from the newest dead one if any. */
static void
no_encrypt(const struct keyfacts *key, int dead, struct pol_verdict *v)
{
	const struct kf_subkey *p = &key->sub[0], *s;

	if (dead < 0) {
		add(v, POL_R_KEY_NO_ENCRYPT, "key %.16s is sign-only, with no "
		    "encryption subkey: add one (gpg --quick-add-key FPR "
		    "cv25519 encr)", kid(p));
		return;
	}
	s = &key->sub[dead];
	if (s->revoked)
		add(v, POL_R_KEY_NO_ENCRYPT, "key %.16s has no usable "
		    "encryption subkey: %.16s is revoked; add a new one",
		    kid(p), kid(s));
	else if (s->invalid)
		add(v, POL_R_KEY_NO_ENCRYPT, "key %.16s has no usable "
		    "encryption subkey: %.16s is invalid; add a new one",
		    kid(p), kid(s));
	else
		add(v, POL_R_KEY_NO_ENCRYPT, "key %.16s has no usable "
		    "encryption subkey: %.16s expired on %s; extend it or add "
		    "a new one", kid(p), kid(s), ymd(s->expires).s);
}

static bool
newer(const struct keyfacts *key, size_t i, int than)
{
	return than < 0 || key->sub[i].created > key->sub[than].created;
}

/* Which rules an alive encryption subkey must pass to be chosen. */
enum enc_rules {
	ENC_DELIVERY,	/* algorithm and size */
	ENC_ADMISSION	/* and min-validity-days too */
};

/*
 * Chooses the encryption subkey gpg would use: the newest of those alive
 * that also pass the rules; sets v->enc_subkey to it (-1: none).  None
 * alive: adds the reason, from the newest dead one if any, and returns -1.
 * Some alive but none passing: returns the newest alive one, whose
 * failures are the caller's to tell.  Otherwise -1.
 */
static int
choose_encrypt(const struct keyfacts *key, const struct policy *pol,
    time_t now, enum enc_rules rules, struct pol_verdict *v)
{
	const struct kf_subkey *s;
	int best = -1, newest = -1, dead = -1;
	size_t i;

	for (i = 0; i < key->nsub; i++) {
		s = &key->sub[i];
		if (!s->can_encrypt)
			continue;
		if (!alive(s, now)) {
			if (newer(key, i, dead))
				dead = (int)i;
			continue;
		}
		if (newer(key, i, newest))
			newest = (int)i;
		if ((rules == ENC_DELIVERY || validity_ok(pol, s, now)) &&
		    algo_ok(pol, s) && size_ok(pol, s) && newer(key, i, best))
			best = (int)i;
	}
	v->enc_subkey = best;
	if (newest < 0)
		no_encrypt(key, dead, v);
	return newest >= 0 && best < 0 ? newest : -1;
}

/*
 * Admission: if the newest alive encryption subkey is the primary, its
 * failures are already there; else they are the reasons.
 */
static void
check_encrypt(const struct keyfacts *key, const struct policy *pol,
    time_t now, struct pol_verdict *v)
{
	int failed;

	failed = choose_encrypt(key, pol, now, ENC_ADMISSION, v);
	if (failed > 0)
		key_rules(&key->sub[failed], "encryption subkey", pol, now, v);
}

static void
check_uid(const struct keyfacts *key, const char *address,
    struct pol_verdict *v)
{
	bool dead = false;
	size_t i;

	for (i = 0; address != NULL && i < key->nuid; i++) {
		if (key->uid[i].email == NULL ||
		    strcasecmp(key->uid[i].email, address) != 0)
			continue;
		if (!key->uid[i].revoked && !key->uid[i].invalid)
			return;
		dead = true;
	}
	if (dead)
		add(v, POL_R_KEY_UID, "key %.16s's user ID with %s is revoked "
		    "or invalid: add a valid user ID with that address",
		    kid(&key->sub[0]), address);
	else
		add(v, POL_R_KEY_UID, "key %.16s has no user ID with %s: add "
		    "one (gpg --quick-add-uid)", kid(&key->sub[0]),
		    address != NULL ? address : "the address");
}

/* Whether the primary key is there and alive at now; if not, why. */
static bool
primary_alive(const struct keyfacts *key, const char *address, time_t now,
    struct pol_verdict *out)
{
	const struct kf_subkey *p;

	out->enc_subkey = -1;
	if (key == NULL || key->nsub == 0 || key->sub == NULL) {
		add(out, POL_R_KEY_MISSING, "no key for %s: give --key FILE",
		    address != NULL ? address : "the address");
		return false;
	}
	p = &key->sub[0];
	if (key->revoked || p->revoked) {
		add(out, POL_R_KEY_REVOKED, "key %.16s is revoked: the member "
		    "must send a new key", kid(p));
		return false;
	}
	if (p->invalid) {	/* gpg will not use it: as good as revoked */
		add(out, POL_R_KEY_REVOKED, "key %.16s is invalid: the member "
		    "must send a new key", kid(p));
		return false;
	}
	if (p->expires != 0 && p->expires <= now) {
		add(out, POL_R_KEY_EXPIRED, "key %.16s expired on %s: extend "
		    "its expiry or send a new key", kid(p),
		    ymd(p->expires).s);
		return false;
	}
	return true;
}

void
pol_key_usable(const struct keyfacts *key, const struct policy *pol,
    time_t now, struct pol_verdict *out)
{
	const struct kf_subkey *s;
	int failed;

	if (!primary_alive(key, NULL, now, out))
		return;
	failed = choose_encrypt(key, pol, now, ENC_DELIVERY, out);
	if (failed < 0)
		return;
	s = &key->sub[failed];	/* alive, but not as the policy wants */
	if (!algo_ok(pol, s))
		add(out, POL_R_KEY_ALGORITHM, "encryption subkey %.16s uses "
		    "%.15s, which the policy does not allow", kid(s), s->algo);
	else
		add(out, POL_R_KEY_SIZE, "encryption subkey %.16s is %.15s %u "
		    "bits, below the policy's minimum of %u", kid(s), s->algo,
		    s->bits, pol->min_rsa_bits);
}

time_t
pol_key_expires(const struct keyfacts *key, int enc_subkey)
{
	time_t p = key->sub[0].expires, s;

	if (enc_subkey < 0 || (size_t)enc_subkey >= key->nsub)
		return p;
	s = key->sub[enc_subkey].expires;
	return p == 0 || (s != 0 && s < p) ? s : p;
}

void
pol_check_key(const struct keyfacts *key, const char *address,
    const struct policy *pol, time_t now, struct pol_verdict *out)
{
	if (!primary_alive(key, address, now, out))
		return;
	key_rules(&key->sub[0], "key", pol, now, out);
	check_encrypt(key, pol, now, out);
	check_uid(key, address, out);
}

void
pol_eligible(const struct pol_candidate *cand, const struct policy *pol,
    time_t now, struct pol_verdict *out)
{
	pol_verdict_init(out);
	if (cand->role == POL_ROLE_MEMBER)
		vendor_criteria(cand, pol, out);
	pol_check_key(cand->key, cand->address, pol, now, out);
	out->allow = out->n == 0;
}
