/*
 * tests/unit/test_eligible.c: pol_eligible() and pol_check_key(), rule by
 * rule, with hand-built keys against the shipped xen and libvirt profiles.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"
#include "tap.h"

#define DAY	86400
#define NOW	((time_t)1767225600)	/* 2026-01-01 00:00:00 UTC */

static struct policy *xen, *libvirt;

/* A key: sub[0] the primary, then subkeys; one user ID to start with. */
struct kb {
	struct keyfacts	 kf;
	struct kf_subkey sub[4];
	struct kf_uid	 uid[3];
};

static void
sub(struct kf_subkey *s, const char *keyid, const char *algo, unsigned bits,
    bool enc, time_t created, time_t expires)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->keyid, sizeof(s->keyid), "%s", keyid);
	snprintf(s->fpr, sizeof(s->fpr), "000000000000000000000000%s",
	    keyid);
	snprintf(s->algo, sizeof(s->algo), "%s", algo);
	s->bits = bits;
	s->can_encrypt = enc;
	s->can_sign = !enc;
	s->created = created;
	s->expires = expires;
}

/* ed25519 primary, cv25519 encryption subkey, both valid two more years. */
static struct keyfacts *
good_key(struct kb *b, const char *email)
{
	memset(b, 0, sizeof(*b));
	sub(&b->sub[0], "1111111111111111", "ed25519", 256, false,
	    NOW - 365 * DAY, NOW + 730 * DAY);
	sub(&b->sub[1], "2222222222222222", "cv25519", 256, true,
	    NOW - 365 * DAY, NOW + 730 * DAY);
	b->uid[0].email = (char *)email;
	b->kf.sub = b->sub;
	b->kf.nsub = 2;
	b->kf.uid = b->uid;
	b->kf.nuid = 1;
	return &b->kf;
}

static const char *const one_link[] = { "https://vendor.example/xen" };

/* Meets every xen criterion. */
static void
xen_cand(struct pol_candidate *c, struct kb *b, const char *addr)
{
	memset(c, 0, sizeof(*c));
	c->address = addr;
	c->role = POL_ROLE_MEMBER;
	c->org = "Vendor Inc.";
	c->category = "vendor";
	c->installed_base = 500000;
	c->voucher = POL_VOUCHER_NONE;
	c->evidence = one_link;
	c->nevidence = 1;
	c->agreed = true;
	c->key = good_key(b, addr);
}

/* Meets every libvirt criterion. */
static void
libvirt_cand(struct pol_candidate *c, struct kb *b, const char *addr)
{
	memset(c, 0, sizeof(*c));
	c->address = addr;
	c->role = POL_ROLE_MEMBER;
	c->org = "Distro Project";
	c->category = "distributor";
	c->installed_base = -1;
	c->vouched_by = "bob@redhat.example";
	c->voucher = POL_VOUCHER_ACTIVE;
	c->agreed = true;
	c->key = good_key(b, addr);
}

/* A candidate good for the profile, whichever it is. */
static void
cand_for(const struct policy *p, struct pol_candidate *c, struct kb *b,
    const char *addr)
{
	if (p == libvirt)
		libvirt_cand(c, b, addr);
	else
		xen_cand(c, b, addr);
}

static bool
has_rule(const struct pol_verdict *v, enum pol_rule r)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->reason[i].rule == r)
			return true;
	return false;
}

static void
show(const struct pol_verdict *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		diag("  %s: %s", pol_rule_name(v->reason[i].rule),
		    v->reason[i].text);
}

/* Denied for exactly one reason, of rule r, saying frag. */
static void
only(const struct pol_verdict *v, enum pol_rule r, const char *frag,
    const char *what)
{
	if (!ok(!v->allow && v->n == 1 && v->reason[0].rule == r,
	    "%s: denied by %s alone", what, pol_rule_name(r)))
		show(v);
	like(v->n > 0 ? v->reason[0].text : "", frag, "%s: says so", what);
}

static void
allowed(const struct pol_verdict *v, const char *what)
{
	if (!ok(v->allow && v->n == 0, "%s: allowed", what))
		show(v);
}

static void
test_good(void)
{
	struct pol_candidate c;
	struct pol_verdict v;
	struct kb b;

	xen_cand(&c, &b, "security@vendor.example");
	pol_eligible(&c, xen, NOW, &v);
	allowed(&v, "xen: good candidate");
	ok(v.enc_subkey == 1, "xen: the encryption subkey is chosen");
	is_str(v.note, "", "xen: no note");

	libvirt_cand(&c, &b, "jane@distro.example");
	pol_eligible(&c, libvirt, NOW, &v);
	allowed(&v, "libvirt: good candidate, personal address");
	ok(v.enc_subkey == 1, "libvirt: the encryption subkey is chosen");

	/* Two encryption subkeys: the newest wins, wherever it sits. */
	xen_cand(&c, &b, "security@vendor.example");
	sub(&b.sub[2], "3333333333333333", "cv25519", 256, true,
	    NOW - 10 * DAY, NOW + 730 * DAY);
	b.kf.nsub = 3;
	pol_eligible(&c, xen, NOW, &v);
	ok(v.allow && v.enc_subkey == 2, "newest of two (last) chosen");
	b.sub[1].created = NOW - 5 * DAY;
	pol_eligible(&c, xen, NOW, &v);
	ok(v.allow && v.enc_subkey == 1, "newest of two (first) chosen");

	/* The newest is expired: the older one is still used. */
	b.sub[1].expires = NOW - DAY;
	pol_eligible(&c, xen, NOW, &v);
	ok(v.allow && v.enc_subkey == 2, "expired newer subkey passed over");

	/* The newest is RSA 1024: the older usable one is chosen. */
	sub(&b.sub[1], "2222222222222222", "rsa", 1024, true, NOW - DAY, 0);
	pol_eligible(&c, xen, NOW, &v);
	ok(v.allow && v.enc_subkey == 2, "weak newer subkey passed over");

	/* A primary that encrypts and never expires. */
	xen_cand(&c, &b, "security@vendor.example");
	sub(&b.sub[0], "1111111111111111", "rsa", 4096, true,
	    NOW - DAY, 0);
	b.kf.nsub = 1;
	pol_eligible(&c, xen, NOW, &v);
	ok(v.allow && v.enc_subkey == 0, "an RSA primary may encrypt");
}

static void
test_address(void)
{
	struct pol_candidate c;
	struct pol_verdict v;
	struct kb b;

	xen_cand(&c, &b, "ann@vendor.example");
	pol_eligible(&c, xen, NOW, &v);
	only(&v, POL_R_LOCAL_PART, "ann@vendor.example is not a role address: "
	    "use security@, secalert@, psirt@... of the organisation",
	    "xen: personal address");

	xen_cand(&c, &b, "PSIRT@vendor.example");
	pol_eligible(&c, xen, NOW, &v);
	allowed(&v, "xen: local part compared case-insensitively");

	xen_cand(&c, &b, "a@b@security@vendor.example");
	pol_eligible(&c, xen, NOW, &v);
	only(&v, POL_R_LOCAL_PART, "not a role address",
	    "xen: local part ends at the last @");

	libvirt_cand(&c, &b, "ann@vendor.example");
	pol_eligible(&c, libvirt, NOW, &v);
	allowed(&v, "libvirt: any local part");

	xen_cand(&c, &b, "security@gmail.com");
	pol_eligible(&c, xen, NOW, &v);
	only(&v, POL_R_DOMAIN, "gmail.com is a free-mail domain the policy "
	    "refuses: use the organisation's own domain", "xen: free-mail");

	libvirt_cand(&c, &b, "jane@mail.Yahoo.com");
	pol_eligible(&c, libvirt, NOW, &v);
	only(&v, POL_R_DOMAIN, "mail.Yahoo.com is under yahoo.com",
	    "libvirt: free-mail subdomain");

	xen_cand(&c, &b, "security@notgmail.com");
	pol_eligible(&c, xen, NOW, &v);
	allowed(&v, "xen: a domain that merely ends in gmail.com");
}

static void
test_org_category(void)
{
	struct pol_candidate c;
	struct pol_verdict v;
	struct kb b;

	xen_cand(&c, &b, "security@vendor.example");
	c.org = NULL;
	pol_eligible(&c, xen, NOW, &v);
	only(&v, POL_R_ORG, "no organisation given: give --org", "xen: no org");

	libvirt_cand(&c, &b, "jane@distro.example");
	c.org = "  ";
	pol_eligible(&c, libvirt, NOW, &v);
	only(&v, POL_R_ORG, "--org", "libvirt: blank org");

	xen_cand(&c, &b, "security@vendor.example");
	c.category = NULL;
	pol_eligible(&c, xen, NOW, &v);
	only(&v, POL_R_CATEGORY, "no category given: give --category, one of "
	    "hosting-provider, large-user, vendor, distributor",
	    "xen: no category");

	xen_cand(&c, &b, "security@vendor.example");
	c.category = "Hosting-Provider";
	pol_eligible(&c, xen, NOW, &v);
	allowed(&v, "xen: category compared case-insensitively");

	libvirt_cand(&c, &b, "jane@distro.example");
	c.category = "hosting-provider";
	pol_eligible(&c, libvirt, NOW, &v);
	only(&v, POL_R_CATEGORY, "category hosting-provider is not one the "
	    "policy admits: use one of vendor, distributor",
	    "libvirt: a xen-only category");
}

static void
test_installed_base(void)
{
	struct pol_candidate c;
	struct pol_verdict v;
	struct kb b;

	xen_cand(&c, &b, "security@vendor.example");
	c.installed_base = 1000;
	pol_eligible(&c, xen, NOW, &v);
	only(&v, POL_R_INSTALLED_BASE, "installed base 1000 is below the "
	    "policy's minimum of 300000: give --justification for "
	    "case-by-case admission", "xen: below the minimum");
	is_str(v.note, "", "xen: below the minimum: no note");

	c.justification = "mature PSIRT, 20 years of Xen";
	pol_eligible(&c, xen, NOW, &v);
	allowed(&v, "xen: below the minimum with a justification");
	is_str(v.note, "admitted case by case below 300000: mature PSIRT, 20 "
	    "years of Xen", "xen: the note says so");

	c.justification = " ";
	pol_eligible(&c, xen, NOW, &v);
	only(&v, POL_R_INSTALLED_BASE, "below the policy's minimum",
	    "xen: a blank justification is none");

	c.installed_base = -1;
	c.justification = NULL;
	pol_eligible(&c, xen, NOW, &v);
	only(&v, POL_R_INSTALLED_BASE, "no installed base given: the policy's "
	    "minimum is 300000", "xen: installed base missing");

	c.justification = "line one\nline two";
	pol_eligible(&c, xen, NOW, &v);
	allowed(&v, "xen: missing base with a justification");
	ok(strchr(v.note, '\n') == NULL && strstr(v.note, "line one?line two")
	    != NULL, "xen: the note stays one line");

	c.installed_base = 300000;
	c.justification = NULL;
	pol_eligible(&c, xen, NOW, &v);
	allowed(&v, "xen: exactly the minimum");

	libvirt_cand(&c, &b, "jane@distro.example");
	c.installed_base = 5;
	pol_eligible(&c, libvirt, NOW, &v);
	allowed(&v, "libvirt: no minimum");
}

static void
test_voucher(void)
{
	struct pol_candidate c;
	struct pol_verdict v;
	struct kb b;

	libvirt_cand(&c, &b, "jane@distro.example");
	c.vouched_by = NULL;
	c.voucher = POL_VOUCHER_NONE;
	pol_eligible(&c, libvirt, NOW, &v);
	only(&v, POL_R_VOUCHER, "no voucher: the policy needs an active member",
	    "libvirt: no voucher");

	libvirt_cand(&c, &b, "jane@distro.example");
	c.voucher = POL_VOUCHER_UNKNOWN;
	pol_eligible(&c, libvirt, NOW, &v);
	only(&v, POL_R_VOUCHER, "bob@redhat.example is not a member of the "
	    "list and cannot vouch", "libvirt: unknown voucher");

	c.voucher = POL_VOUCHER_SUSPENDED;
	pol_eligible(&c, libvirt, NOW, &v);
	only(&v, POL_R_VOUCHER, "bob@redhat.example is suspended and cannot "
	    "vouch", "libvirt: suspended voucher");

	c.vouched_by = "Jane@distro.example";
	c.voucher = POL_VOUCHER_ACTIVE;
	pol_eligible(&c, libvirt, NOW, &v);
	only(&v, POL_R_VOUCHER, "Jane@distro.example cannot vouch for itself",
	    "libvirt: self-vouching");

	xen_cand(&c, &b, "security@vendor.example");
	c.vouched_by = "who@else.example";
	c.voucher = POL_VOUCHER_UNKNOWN;
	pol_eligible(&c, xen, NOW, &v);
	only(&v, POL_R_VOUCHER, "who@else.example is not a member",
	    "xen: an unknown voucher counts even when none is required");

	c.voucher = POL_VOUCHER_ACTIVE;
	pol_eligible(&c, xen, NOW, &v);
	allowed(&v, "xen: an active voucher, not required");
}

static void
test_evidence_agreement(void)
{
	static const char *const mixed[] = { "ftp://vendor.example/x",
	    "HTTP://vendor.example/y", "https://" };
	static const char *const twenty[20] = { "a", "b", "c", "d", "e", "f",
	    "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s",
	    "t" };
	struct pol_candidate c;
	struct pol_verdict v;
	struct kb b;

	xen_cand(&c, &b, "security@vendor.example");
	c.nevidence = 0;
	pol_eligible(&c, xen, NOW, &v);
	only(&v, POL_R_EVIDENCE, "0 evidence links given, the policy needs 1",
	    "xen: no evidence");

	c.evidence = mixed;
	c.nevidence = 3;
	pol_eligible(&c, xen, NOW, &v);
	if (!ok(!v.allow && v.n == 2 && v.reason[0].rule == POL_R_EVIDENCE &&
	    v.reason[1].rule == POL_R_EVIDENCE, "xen: two bad links, one "
	    "good: two evidence reasons"))
		show(&v);
	like(v.reason[0].text, "\"ftp://vendor.example/x\" is not an http(s) "
	    "URL", "xen: names the ftp link");
	like(v.reason[1].text, "\"https://\" is not", "xen: names the bare "
	    "scheme");

	c.evidence = mixed;
	c.nevidence = 1;
	pol_eligible(&c, xen, NOW, &v);
	ok(v.n == 2 && has_rule(&v, POL_R_EVIDENCE) &&
	    strstr(v.reason[1].text, "0 evidence links given") != NULL,
	    "xen: a bad link and too few");

	libvirt_cand(&c, &b, "jane@distro.example");
	c.evidence = mixed;
	c.nevidence = 1;
	pol_eligible(&c, libvirt, NOW, &v);
	only(&v, POL_R_EVIDENCE, "is not an http(s) URL",
	    "libvirt: a bad link though none is needed");

	c.evidence = twenty;
	c.nevidence = 20;
	pol_eligible(&c, libvirt, NOW, &v);
	ok(!v.allow && v.n == POL_MAX_REASONS, "reasons stop at "
	    "POL_MAX_REASONS");

	libvirt_cand(&c, &b, "jane@distro.example");
	c.agreed = false;
	pol_eligible(&c, libvirt, NOW, &v);
	only(&v, POL_R_AGREEMENT, "give --agreed", "libvirt: not agreed");

	xen_cand(&c, &b, "security@vendor.example");
	c.agreed = false;
	pol_eligible(&c, xen, NOW, &v);
	only(&v, POL_R_AGREEMENT, "not agreed to", "xen: not agreed");
}

static void
test_many(void)
{
	static const enum pol_rule want[] = { POL_R_LOCAL_PART, POL_R_DOMAIN,
	    POL_R_ORG, POL_R_CATEGORY, POL_R_INSTALLED_BASE, POL_R_EVIDENCE,
	    POL_R_AGREEMENT, POL_R_KEY_UID };
	struct pol_candidate c;
	struct pol_verdict v;
	struct kb b;
	size_t i;
	bool same;

	xen_cand(&c, &b, "ann@gmail.com");
	c.org = NULL;
	c.category = NULL;
	c.installed_base = 10;
	c.nevidence = 0;
	c.agreed = false;
	b.uid[0].email = "ann@other.example";
	pol_eligible(&c, xen, NOW, &v);
	same = v.n == sizeof(want) / sizeof(want[0]);
	for (i = 0; same && i < v.n; i++)
		same = v.reason[i].rule == want[i];
	if (!ok(!v.allow && same, "xen: every failing rule, in order"))
		show(&v);

	libvirt_cand(&c, &b, "jane@hotmail.com");
	c.voucher = POL_VOUCHER_SUSPENDED;
	c.agreed = false;
	b.kf.nsub = 1;
	pol_eligible(&c, libvirt, NOW, &v);
	ok(!v.allow && v.n == 4 && has_rule(&v, POL_R_DOMAIN) &&
	    has_rule(&v, POL_R_VOUCHER) && has_rule(&v, POL_R_AGREEMENT) &&
	    has_rule(&v, POL_R_KEY_NO_ENCRYPT), "libvirt: four at once");
}

static void
test_roles(void)
{
	static const enum pol_role roles[] = { POL_ROLE_TEAM,
	    POL_ROLE_MODERATOR, POL_ROLE_ADMIN, POL_ROLE_REPORTER };
	struct pol_candidate c;
	struct pol_verdict v;
	struct kb b;
	char what[80];
	size_t i;

	for (i = 0; i < sizeof roles / sizeof roles[0]; i++) {
		memset(&c, 0, sizeof(c));
		c.address = "ann@gmail.com";
		c.role = roles[i];
		c.installed_base = -1;
		c.key = good_key(&b, c.address);
		snprintf(what, sizeof(what), "role %s skips the vendor "
		    "criteria (xen)", pol_role_name(roles[i]));
		pol_eligible(&c, xen, NOW, &v);
		allowed(&v, what);
		snprintf(what, sizeof(what), "role %s skips the vendor "
		    "criteria (libvirt)", pol_role_name(roles[i]));
		pol_eligible(&c, libvirt, NOW, &v);
		allowed(&v, what);
		snprintf(what, sizeof(what), "role %s keeps the key rules",
		    pol_role_name(roles[i]));
		b.sub[0].expires = NOW - DAY;
		pol_eligible(&c, libvirt, NOW, &v);
		only(&v, POL_R_KEY_EXPIRED, "expired on 2025-12-31", what);
	}
}

/* Each key rule alone, against one profile. */
static void
test_keys_with(const struct policy *p)
{
	struct pol_candidate c;
	struct pol_verdict v;
	struct kb b;
	const char *a = "security@vendor.example";

	cand_for(p, &c, &b, a);
	c.key = NULL;
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_MISSING, "no key for security@vendor.example",
	    p->name);
	ok(v.enc_subkey == -1, "%s: no key, no subkey", p->name);

	cand_for(p, &c, &b, a);
	b.sub[0].revoked = true;
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_REVOKED, "key 1111111111111111 is revoked", p->name);

	cand_for(p, &c, &b, a);
	b.kf.revoked = true;
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_REVOKED, "is revoked", p->name);

	cand_for(p, &c, &b, a);
	b.sub[0].invalid = true;
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_REVOKED, "key 1111111111111111 is invalid", p->name);

	cand_for(p, &c, &b, a);
	b.sub[0].expires = NOW - 3 * DAY;
	b.sub[1].expires = NOW - 3 * DAY;
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_EXPIRED, "key 1111111111111111 expired on "
	    "2025-12-29", p->name);

	cand_for(p, &c, &b, a);
	b.sub[0].expires = NOW;
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_EXPIRED, "expired on 2026-01-01",
	    "expiring this second is expired");

	cand_for(p, &c, &b, a);
	b.sub[0].expires = NOW + 10 * DAY;
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_VALIDITY, "key 1111111111111111 expires on "
	    "2026-01-11, sooner than the policy's 30 days", p->name);
	ok(v.enc_subkey == 1, "%s: short primary, subkey still chosen",
	    p->name);

	cand_for(p, &c, &b, a);
	b.sub[1].expires = NOW + 29 * DAY;
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_VALIDITY, "encryption subkey 2222222222222222 "
	    "expires on 2026-01-30", p->name);
	ok(v.enc_subkey == -1, "%s: short subkey not chosen", p->name);

	cand_for(p, &c, &b, a);
	b.sub[1].expires = NOW + 30 * DAY;
	pol_eligible(&c, p, NOW, &v);
	allowed(&v, "exactly the minimum validity");

	cand_for(p, &c, &b, a);
	b.kf.nsub = 1;
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_NO_ENCRYPT, "key 1111111111111111 is sign-only",
	    p->name);

	cand_for(p, &c, &b, a);
	b.sub[1].expires = NOW - 40 * DAY;
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_NO_ENCRYPT, "2222222222222222 expired on 2025-11-22",
	    "expired encryption subkey");

	cand_for(p, &c, &b, a);
	b.sub[1].revoked = true;
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_NO_ENCRYPT, "2222222222222222 is revoked",
	    "revoked encryption subkey");

	cand_for(p, &c, &b, a);
	b.sub[1].invalid = true;
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_NO_ENCRYPT, "is invalid", "invalid encryption "
	    "subkey");

	/* RSA 1024 that also encrypts: one reason, not two. */
	cand_for(p, &c, &b, a);
	sub(&b.sub[0], "1111111111111111", "rsa", 1024, true, NOW - DAY, 0);
	b.kf.nsub = 1;
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_SIZE, "key 1111111111111111 is rsa 1024 bits, "
	    "below the policy's minimum of 2048", "rsa1024");
	ok(v.enc_subkey == -1, "%s: rsa1024 not chosen to encrypt", p->name);

	cand_for(p, &c, &b, a);
	sub(&b.sub[0], "1111111111111111", "rsa", 4096, false, NOW - DAY, 0);
	sub(&b.sub[1], "2222222222222222", "rsa", 1024, true, NOW - DAY, 0);
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_SIZE, "encryption subkey 2222222222222222 is rsa "
	    "1024 bits", "rsa4096 with an rsa1024 subkey");

	cand_for(p, &c, &b, a);
	sub(&b.sub[0], "1111111111111111", "dsa", 3072, false, NOW - DAY, 0);
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_ALGORITHM, "key 1111111111111111 uses dsa, which "
	    "the policy does not allow", "dsa3072");

	cand_for(p, &c, &b, a);
	sub(&b.sub[0], "1111111111111111", "dsa", 1024, false, NOW - DAY, 0);
	pol_eligible(&c, p, NOW, &v);
	ok(!v.allow && v.n == 2 && v.reason[0].rule == POL_R_KEY_ALGORITHM &&
	    v.reason[1].rule == POL_R_KEY_SIZE, "%s: dsa1024: algorithm and "
	    "size", p->name);

	cand_for(p, &c, &b, a);
	sub(&b.sub[1], "2222222222222222", "elg", 4096, true, NOW - DAY, 0);
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_ALGORITHM, "encryption subkey 2222222222222222 "
	    "uses elg", "elg subkey");

	cand_for(p, &c, &b, a);
	snprintf(b.sub[0].algo, sizeof(b.sub[0].algo), "frobnitz");
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_ALGORITHM, "uses frobnitz", "unknown algorithm");

	cand_for(p, &c, &b, a);
	b.uid[0].email = "someone@vendor.example";
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_UID, "key 1111111111111111 has no user ID with "
	    "security@vendor.example", "uid without the address");

	cand_for(p, &c, &b, a);
	b.uid[0].email = "security@vendor.example";
	b.uid[0].revoked = true;
	b.uid[1].email = "other@vendor.example";
	b.kf.nuid = 2;
	pol_eligible(&c, p, NOW, &v);
	only(&v, POL_R_KEY_UID, "user ID with security@vendor.example is "
	    "revoked or invalid", "revoked uid with the address");

	cand_for(p, &c, &b, a);
	b.uid[0].email = "Security@Vendor.Example";
	pol_eligible(&c, p, NOW, &v);
	allowed(&v, "uid compared case-insensitively");
}

static void
test_check_key(void)
{
	struct pol_verdict v;
	struct kb b;

	pol_verdict_init(&v);
	ok(v.allow && v.n == 0 && v.enc_subkey == -1 && v.note[0] == '\0',
	    "pol_verdict_init: empty allow");
	pol_check_key(good_key(&b, "x@y.example"), "x@y.example", xen, NOW,
	    &v);
	ok(v.allow && v.n == 0 && v.enc_subkey == 1,
	    "pol_check_key: a good key keeps allow");
	b.kf.nsub = 1;
	pol_check_key(&b.kf, "x@y.example", xen, NOW, &v);
	ok(!v.allow && v.n == 1 && v.reason[0].rule == POL_R_KEY_NO_ENCRYPT &&
	    v.enc_subkey == -1, "pol_check_key: a reason clears allow");
	pol_check_key(NULL, "x@y.example", libvirt, NOW, &v);
	ok(!v.allow && v.n == 2 && v.reason[0].rule == POL_R_KEY_NO_ENCRYPT &&
	    v.reason[1].rule == POL_R_KEY_MISSING, "pol_check_key appends");
}

/* Delivery: only a key that cannot work is refused, whatever the policy. */
static void
test_key_usable(void)
{
	struct pol_verdict v;
	struct kb b;

	good_key(&b, "x@y.example");
	b.sub[0].expires = NOW + 10 * DAY;
	pol_verdict_init(&v);
	pol_key_usable(&b.kf, xen, NOW, &v);
	ok(v.n == 0 && v.enc_subkey == 1, "usable: 10 days left is usable "
	    "under min-validity-days = 30");
	ok(pol_key_expires(&b.kf, 1) == NOW + 10 * DAY, "usable: it stops "
	    "with its primary");
	b.sub[1].expires = NOW + 2 * DAY;
	ok(pol_key_expires(&b.kf, 1) == NOW + 2 * DAY, "or with its subkey");
	b.sub[1].expires = NOW - 1;
	pol_verdict_init(&v);
	pol_key_usable(&b.kf, xen, NOW, &v);
	ok(v.n == 1 && v.reason[0].rule == POL_R_KEY_NO_ENCRYPT &&
	    v.enc_subkey == -1, "usable: an expired subkey is not");
	b.sub[0].expires = NOW;
	pol_verdict_init(&v);
	pol_key_usable(&b.kf, xen, NOW, &v);
	ok(v.n == 1 && v.reason[0].rule == POL_R_KEY_EXPIRED,
	    "usable: an expired primary is not");
	good_key(&b, "x@y.example");
	b.sub[1].revoked = true;
	pol_verdict_init(&v);
	pol_key_usable(&b.kf, xen, NOW, &v);
	ok(v.n == 1 && v.reason[0].rule == POL_R_KEY_NO_ENCRYPT,
	    "usable: a revoked subkey is not");
	good_key(&b, "x@y.example");
	snprintf(b.sub[1].algo, sizeof b.sub[1].algo, "rsa");
	b.sub[1].bits = 1024;
	pol_verdict_init(&v);
	pol_key_usable(&b.kf, xen, NOW, &v);
	ok(v.n == 1 && v.reason[0].rule == POL_R_KEY_SIZE &&
	    v.enc_subkey == -1, "usable: a subkey too short for the policy "
	    "is not");
	good_key(&b, "x@y.example");
	b.kf.revoked = true;
	pol_verdict_init(&v);
	pol_key_usable(&b.kf, xen, NOW, &v);
	ok(v.n == 1 && v.reason[0].rule == POL_R_KEY_REVOKED,
	    "usable: a revoked key is not");
}

/*
 * Admission and delivery choose the encryption subkey by one walk; they
 * differ only in min-validity-days, and in the reasons they give.
 */
static void
test_both_uses(void)
{
	struct pol_verdict adm, dlv;
	struct kb b;

	/* both: a check of the same key, from empty verdicts */
#define BOTH(kf) do {							\
	pol_verdict_init(&adm);						\
	pol_check_key((kf), "x@y.example", xen, NOW, &adm);		\
	pol_verdict_init(&dlv);						\
	pol_key_usable((kf), xen, NOW, &dlv);				\
} while (0)

	/* a newer subkey with 10 days left beside an older one with two years */
	good_key(&b, "x@y.example");
	b.sub[1].expires = NOW + 10 * DAY;
	sub(&b.sub[2], "3333333333333333", "cv25519", 256, true,
	    NOW - 700 * DAY, NOW + 730 * DAY);
	b.kf.nsub = 3;
	BOTH(&b.kf);
	ok(adm.n == 0 && adm.enc_subkey == 2, "both: admission passes over a "
	    "short-lived newer subkey for an older one");
	ok(dlv.n == 0 && dlv.enc_subkey == 1, "both: delivery takes the newest "
	    "alive, however short-lived");

	good_key(&b, "x@y.example");
	b.kf.nsub = 1;
	BOTH(&b.kf);
	ok(adm.n == 1 && adm.reason[0].rule == POL_R_KEY_NO_ENCRYPT &&
	    dlv.n == 1 && dlv.reason[0].rule == POL_R_KEY_NO_ENCRYPT,
	    "both: a sign-only key");
	like(dlv.reason[0].text, "is sign-only", "both: delivery says sign-only");

	good_key(&b, "x@y.example");
	b.sub[1].expires = NOW - DAY;
	sub(&b.sub[2], "3333333333333333", "cv25519", 256, true,
	    NOW - 700 * DAY, NOW - 2 * DAY);
	b.kf.nsub = 3;
	BOTH(&b.kf);
	ok(adm.n == 1 && dlv.n == 1 && adm.enc_subkey == -1 &&
	    dlv.enc_subkey == -1, "both: two expired subkeys");
	like(dlv.reason[0].text, "2222222222222222 expired on 2025-12-31",
	    "both: the reason names the newest dead one");
	is_str(adm.reason[0].text, dlv.reason[0].text, "both: the same reason");

	good_key(&b, "x@y.example");
	b.sub[1].revoked = true;
	sub(&b.sub[2], "3333333333333333", "rsa", 1024, true, NOW - 700 * DAY,
	    0);
	b.kf.nsub = 3;
	BOTH(&b.kf);
	ok(adm.n == 1 && adm.reason[0].rule == POL_R_KEY_SIZE && dlv.n == 1 &&
	    dlv.reason[0].rule == POL_R_KEY_SIZE, "both: a revoked subkey "
	    "beside an alive short one: the short one is the reason");
	like(dlv.reason[0].text, "encryption subkey 3333333333333333 is rsa "
	    "1024 bits", "both: delivery names it");

	good_key(&b, "x@y.example");
	sub(&b.sub[1], "2222222222222222", "elg", 4096, true, NOW - DAY, 0);
	BOTH(&b.kf);
	ok(adm.n == 1 && adm.reason[0].rule == POL_R_KEY_ALGORITHM &&
	    dlv.n == 1 && dlv.reason[0].rule == POL_R_KEY_ALGORITHM &&
	    dlv.enc_subkey == -1, "both: an algorithm the policy refuses");
	like(dlv.reason[0].text, "uses elg", "both: delivery says which");

	/* an RSA 1024 primary that encrypts: admission's one reason is the
	   primary's; delivery does not judge the primary, only the subkey */
	good_key(&b, "x@y.example");
	sub(&b.sub[0], "1111111111111111", "rsa", 1024, true, NOW - DAY, 0);
	b.kf.nsub = 1;
	BOTH(&b.kf);
	ok(adm.n == 1 && adm.reason[0].rule == POL_R_KEY_SIZE &&
	    dlv.n == 1 && dlv.reason[0].rule == POL_R_KEY_SIZE,
	    "both: an encrypting rsa1024 primary, one reason each");
	like(adm.reason[0].text, "key 1111111111111111 is rsa 1024",
	    "both: admission names the key");
	like(dlv.reason[0].text, "encryption subkey 1111111111111111",
	    "both: delivery names the encrypting key");
#undef BOTH
}

int
main(void)
{
	xen = load_profile("xen");
	libvirt = load_profile("libvirt");
	test_good();
	test_address();
	test_org_category();
	test_installed_base();
	test_voucher();
	test_evidence_agreement();
	test_many();
	test_roles();
	test_keys_with(xen);
	test_keys_with(libvirt);
	test_check_key();
	test_key_usable();
	test_both_uses();
	pol_free(xen);
	pol_free(libvirt);
	return done_testing();
}
