/*
 * tests/unit/test_decide.c: the decision about one message (listd/decide.h),
 * from hand-built authentication results: no gpg, no store.  Also the names
 * of the record kinds, states and reasons (listd/record.h).
 */
#include <stdio.h>
#include <string.h>

#include "listd/decide.h"
#include "listd/record.h"
#include "tap.h"

#define FPR_LIST	"1111111111111111111111111111111111111111"
#define FPR_ALICE	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define FPR_BOB		"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
#define FPR_CAROL	"CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC"
#define FPR_DAVE	"DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD"
#define FPR_EVE		"EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE"
#define FPR_MALLORY	"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
#define T0		((time_t)1796000000)	/* 2026-11-29 */

#define BODY		"Hello team,\nplease look at this.\n"
#define KW_BODY		"Advisory: XSA-1\nRevision: 1\n" \
			"Embargo: 2026-12-01 12:00 UTC\n\nbody"

/* What the list knows of each key's owner. */
static const struct signer team_alice = {
	.member = true, .address = "alice@example.org",
	.role = POL_ROLE_TEAM, .active = true
};
static const struct signer team_bob = {
	.member = true, .address = "bob@example.org",
	.role = POL_ROLE_TEAM, .active = true
};
static const struct signer member_carol = {
	.member = true, .address = "carol@example.org",
	.role = POL_ROLE_MEMBER, .active = true
};
static const struct signer reporter_dave = {
	.member = true, .address = "dave@example.org",
	.role = POL_ROLE_REPORTER, .active = true
};
static const struct signer suspended_eve = {
	.member = true, .address = "eve@example.org",
	.role = POL_ROLE_TEAM, .active = false
};
static const struct signer stranger = {
	.member = false, .address = "", .role = POL_ROLE_MEMBER, .active = false
};

/* One message: what authentication found, and what the list knows. */
struct msg {
	struct auth	 a;
	struct signer	 s[KEYS_MAX_SIGS];
	char		 text[512];
	struct decision	 d;
};

static void
msg_init(struct msg *m, const char *form, const char *text)
{
	memset(m, 0, sizeof *m);
	m->a.hold = HOLD_NONE;
	snprintf(m->a.form, sizeof m->a.form, "%s", form);
	snprintf(m->text, sizeof m->text, "%s", text);
	m->a.text = m->text;
	m->a.text_len = strlen(m->text);
}

/*
 * Adds a signature in state by fpr, made at T0 plus a minute per signature
 * before it; who (NULL: nobody) is what the list knows of its key.
 */
static void
add_sig(struct msg *m, enum keys_sig_state state, const char *fpr,
    const struct signer *who)
{
	size_t i = m->a.sigs.n++;

	m->a.sigs.sig[i].state = state;
	snprintf(m->a.sigs.sig[i].fpr, sizeof m->a.sigs.sig[i].fpr, "%s", fpr);
	m->a.sigs.sig[i].created = T0 + 60 * (time_t)i;
	if (who != NULL)
		m->s[i] = *who;
}

static void
run(struct msg *m)
{
	decide(&m->a, m->s, FPR_LIST, &m->d);
}

/* Whether m was held for want; says what it got when not. */
#define held(m, want, what)	held_at((m), (want), __FILE__, __LINE__, (what))
static bool
held_at(const struct msg *m, enum hold_reason want, const char *file,
    int line, const char *what)
{
	bool r;

	r = ok_at(!m->d.distribute && m->d.reason == want, file, line,
	    "%s: held for %s", what, hold_reason_name(want));
	if (!r)
		diag("  got distribute %d, reason %s ('%s')", m->d.distribute,
		    hold_reason_name(m->d.reason), m->d.text);
	return r;
}

/* Whether m goes on; says why not when not. */
#define distributed(m, what)	distributed_at((m), __FILE__, __LINE__, (what))
static bool
distributed_at(const struct msg *m, const char *file, int line,
    const char *what)
{
	bool r;

	r = ok_at(m->d.distribute && m->d.reason == HOLD_NONE, file, line,
	    "%s: distributed", what);
	if (!r)
		diag("  got distribute %d, reason %s ('%s')", m->d.distribute,
		    hold_reason_name(m->d.reason), m->d.text);
	return r;
}

/* ---- what goes on -------------------------------------------------------- */

static void
test_distribute(void)
{
	struct msg m;

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	run(&m);
	distributed(&m, "one good signature by an active team member");
	is_str(m.d.signer, FPR_ALICE, "the signer is the signature's key");
	is_str(m.d.signer_address, "alice@example.org",
	    "the signer's address is the member's");
	ok(m.d.signed_at == T0, "signed_at is the signature's time (%lld)",
	    (long long)m.d.signed_at);
	ok(!m.d.kw.present, "a body without a keyword block has no keywords");
	is_str(m.d.text, "", "a distributed post has no hold text");
	is_str(m.d.reporter_signer, "", "no reporter signed it");
}

static void
test_distribute_keywords(void)
{
	struct msg m;

	msg_init(&m, "pgp-mime-signed", KW_BODY);
	add_sig(&m, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	run(&m);
	distributed(&m, "a team post with a valid keyword block");
	ok(m.d.kw.present, "the keyword block is read from the signed text");
	is_str(m.d.kw.advisory, "XSA-1", "its advisory is XSA-1");
	ok(m.d.kw.revision == 1, "its revision is 1 (%ld)", m.d.kw.revision);
	ok(m.d.kw.embargo_set && m.d.kw.embargo == 1796126400,
	    "its embargo is 2026-12-01 12:00 UTC (%lld)",
	    (long long)m.d.kw.embargo);
}

/* ---- every reason decide() holds for ------------------------------------- */

static void
test_loop(void)
{
	struct msg m;

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	m.a.loop_header = true;
	run(&m);
	held(&m, HOLD_LOOP, "X-Loop naming the list, beside a good team "
	    "signature");
	like(m.d.text, "X-Loop", "the hold text names X-Loop");

	msg_init(&m, "pgp-mime-signed", BODY);
	m.a.loop_header = true;
	m.a.hold = HOLD_MALFORMED;
	snprintf(m.a.hold_text, sizeof m.a.hold_text, "broken MIME");
	run(&m);
	held(&m, HOLD_LOOP, "X-Loop wins over a hold by authentication");

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_GOOD, FPR_LIST, &team_alice);
	run(&m);
	held(&m, HOLD_LOOP, "a signature by the list's own key");
	like(m.d.text, "list's own key", "the hold text says it is the list's "
	    "key");

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	add_sig(&m, KEYS_SIG_GOOD, FPR_LIST, &team_bob);
	run(&m);
	held(&m, HOLD_LOOP, "the list's own signature after a good team "
	    "signature spoils it");

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_GOOD, FPR_LIST, &team_bob);
	add_sig(&m, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	run(&m);
	held(&m, HOLD_LOOP, "the list's own signature before a good team "
	    "signature spoils it");
}

static void
test_bad_signature(void)
{
	struct msg m;

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_BAD, FPR_ALICE, &team_alice);
	run(&m);
	held(&m, HOLD_BAD_SIGNATURE, "a signature that does not match");
	like(m.d.text, FPR_ALICE, "the hold text names the bad signature's key");

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_ERROR, FPR_ALICE, &team_alice);
	run(&m);
	held(&m, HOLD_BAD_SIGNATURE, "a signature gpg could not judge");

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	add_sig(&m, KEYS_SIG_BAD, FPR_BOB, &team_bob);
	run(&m);
	held(&m, HOLD_BAD_SIGNATURE, "a bad signature after a good team "
	    "signature spoils it");

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_BAD, FPR_BOB, &team_bob);
	add_sig(&m, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	run(&m);
	held(&m, HOLD_BAD_SIGNATURE, "a bad signature before a good team "
	    "signature spoils it");

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	add_sig(&m, KEYS_SIG_ERROR, FPR_BOB, &team_bob);
	run(&m);
	held(&m, HOLD_BAD_SIGNATURE, "an unjudgeable signature beside a good "
	    "team signature spoils it");
}

static void
test_key_state(void)
{
	struct msg m;

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_KEY_REVOKED, FPR_ALICE, &team_alice);
	run(&m);
	held(&m, HOLD_KEY_REVOKED, "a signature by a revoked key");
	like(m.d.text, "revoked", "the hold text says the key is revoked");

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_KEY_EXPIRED, FPR_ALICE, &team_alice);
	run(&m);
	held(&m, HOLD_KEY_EXPIRED, "a signature by an expired key");
	like(m.d.text, "expired", "the hold text says the key has expired");
}

static void
test_signers(void)
{
	struct msg m;

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_GOOD, FPR_EVE, &suspended_eve);
	run(&m);
	held(&m, HOLD_SUSPENDED, "a good signature by a suspended team member");
	like(m.d.text, "eve@example.org", "the hold text names the suspended "
	    "member");

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_GOOD, FPR_CAROL, &member_carol);
	run(&m);
	held(&m, HOLD_NOT_TEAM, "a good signature by an active plain member");
	is_str(m.d.reporter_signer, "", "a plain member is no reporter signer");
	like(m.d.text, "carol@example.org", "the hold text names the member");

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_GOOD, FPR_DAVE, &reporter_dave);
	run(&m);
	held(&m, HOLD_NOT_TEAM, "a good signature by an active reporter");
	is_str(m.d.reporter_signer, "dave@example.org",
	    "the reporter's address is kept as reporter_signer");

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_GOOD, FPR_MALLORY, &stranger);
	run(&m);
	held(&m, HOLD_NON_MEMBER, "a good signature by a key of no member");
	like(m.d.text, FPR_MALLORY, "the hold text names the unknown key");

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_NO_KEY, FPR_MALLORY, NULL);
	run(&m);
	held(&m, HOLD_NON_MEMBER, "a signature by a key not in the keyring");
	like(m.d.text, FPR_MALLORY, "the hold text names the missing key");
}

static void
test_unsigned(void)
{
	struct msg m;

	msg_init(&m, "text-plain", BODY);
	run(&m);
	held(&m, HOLD_UNSIGNED, "a message without signatures");
	like(m.d.text, "text-plain", "the hold text names the message's form");
}

/* What authentication held for goes through, its text with it. */
static void
test_auth_holds(void)
{
	static const struct {
		enum hold_reason reason;
		const char	*text;
	} holds[] = {
		{ HOLD_MALFORMED, "the MIME structure is broken at part 3" },
		{ HOLD_LIMITS, "more than 64 MIME parts" },
		{ HOLD_CANNOT_DECRYPT, "not encrypted to the list's key" }
	};
	struct msg m;
	size_t i;

	for (i = 0; i < sizeof holds / sizeof holds[0]; i++) {
		msg_init(&m, "pgp-mime-encrypted", BODY);
		add_sig(&m, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
		m.a.hold = holds[i].reason;
		snprintf(m.a.hold_text, sizeof m.a.hold_text, "%s",
		    holds[i].text);
		run(&m);
		held(&m, holds[i].reason, "authentication's hold, beside a good "
		    "team signature");
		like(m.d.text, holds[i].text, "the %s hold keeps "
		    "authentication's text", hold_reason_name(holds[i].reason));
	}
}

static void
test_bad_keywords(void)
{
	struct msg m;

	msg_init(&m, "pgp-mime-signed", "Advisory: XSA-1\nRevision: x\n\nbody");
	add_sig(&m, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	run(&m);
	held(&m, HOLD_KEYWORDS, "a team post with a malformed keyword block");
	ok(!m.d.distribute, "a malformed keyword block is not distributed");
	like(m.d.text, "line 2", "the hold text names the malformed line");

	msg_init(&m, "pgp-mime-signed", "Advisory: XSA-801\nEmbargo: none\n\n"
	    "one\n\nAdvisory: XSA-802\nEmbargo: none\n\ntwo\n");
	add_sig(&m, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	run(&m);
	held(&m, HOLD_KEYWORDS, "two advisories in one team post");
	ok(strncmp(m.d.text, "two advisories in one post: send each on its "
	    "own", 48) == 0, "the hold text is the one-line reason: %s",
	    m.d.text);

	msg_init(&m, "pgp-mime-signed", "Dear all,\n\nAdvisory: XSA-3\n"
	    "Embargo: none\n");
	add_sig(&m, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	run(&m);
	held(&m, HOLD_KEYWORDS, "keywords after a greeting");
	like(m.d.text, "the keyword block must open the signed text",
	    "the hold text says the block must come first");

	msg_init(&m, "pgp-mime-signed", "Dear all,\n\nthe fix looks right.\n");
	add_sig(&m, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	run(&m);
	ok(m.d.distribute && !m.d.kw.present, "a team post without keyword "
	    "lines stays ordinary discussion");
}

/* ---- several signatures -------------------------------------------------- */

static void
test_severity(void)
{
	struct msg m;

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_GOOD, FPR_CAROL, &member_carol);
	add_sig(&m, KEYS_SIG_KEY_REVOKED, FPR_ALICE, &team_alice);
	run(&m);
	held(&m, HOLD_KEY_REVOKED, "not-team then revoked: the revoked key");
	like(m.d.text, "revoked", "the hold text is the gravest reason's");

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_KEY_REVOKED, FPR_ALICE, &team_alice);
	add_sig(&m, KEYS_SIG_GOOD, FPR_CAROL, &member_carol);
	run(&m);
	held(&m, HOLD_KEY_REVOKED, "revoked then not-team: the revoked key");
	like(m.d.text, "revoked", "the later, milder reason leaves the text "
	    "alone");

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_GOOD, FPR_MALLORY, &stranger);
	add_sig(&m, KEYS_SIG_BAD, FPR_BOB, &team_bob);
	run(&m);
	held(&m, HOLD_BAD_SIGNATURE, "non-member then bad: the bad signature");

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_BAD, FPR_BOB, &team_bob);
	add_sig(&m, KEYS_SIG_NO_KEY, FPR_MALLORY, NULL);
	run(&m);
	held(&m, HOLD_BAD_SIGNATURE, "bad then unknown key: the bad signature");

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_NO_KEY, FPR_MALLORY, NULL);
	add_sig(&m, KEYS_SIG_GOOD, FPR_EVE, &suspended_eve);
	add_sig(&m, KEYS_SIG_KEY_EXPIRED, FPR_ALICE, &team_alice);
	add_sig(&m, KEYS_SIG_GOOD, FPR_DAVE, &reporter_dave);
	run(&m);
	held(&m, HOLD_KEY_EXPIRED, "unknown, suspended, expired, reporter: the "
	    "expired key");
}

static void
test_team_beside_others(void)
{
	struct msg m;

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_GOOD, FPR_CAROL, &member_carol);
	add_sig(&m, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	run(&m);
	distributed(&m, "a not-team signature then a good team signature");
	is_str(m.d.signer, FPR_ALICE, "the team signature decides");
	ok(m.d.signed_at == T0 + 60, "signed_at is the team signature's "
	    "(%lld)", (long long)m.d.signed_at);
	is_str(m.d.text, "", "the not-team reason leaves no hold text");

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	add_sig(&m, KEYS_SIG_GOOD, FPR_CAROL, &member_carol);
	run(&m);
	distributed(&m, "a good team signature then a not-team signature");
	is_str(m.d.signer_address, "alice@example.org",
	    "the team member's address decides");

	msg_init(&m, "pgp-mime-signed", "Advisory: XSA-1\nRevision: x\n\n");
	add_sig(&m, KEYS_SIG_GOOD, FPR_CAROL, &member_carol);
	add_sig(&m, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	run(&m);
	held(&m, HOLD_KEYWORDS, "not-team and team signatures over a malformed "
	    "keyword block");
	like(m.d.text, "keywords", "the hold text is about the keywords, not "
	    "the not-team signer");
}

static void
test_two_team(void)
{
	struct msg m;

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	add_sig(&m, KEYS_SIG_GOOD, FPR_BOB, &team_bob);
	run(&m);
	distributed(&m, "two good team signatures");
	is_str(m.d.signer, FPR_ALICE, "alice's first: her signature decides");
	is_str(m.d.signer_address, "alice@example.org", "alice's address");
	ok(m.d.signed_at == T0, "alice's signing time (%lld)",
	    (long long)m.d.signed_at);

	msg_init(&m, "pgp-mime-signed", BODY);
	add_sig(&m, KEYS_SIG_GOOD, FPR_BOB, &team_bob);
	add_sig(&m, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	run(&m);
	is_str(m.d.signer, FPR_BOB, "bob's first: his signature decides");
	is_str(m.d.signer_address, "bob@example.org", "bob's address");
}

static void
test_sig_id(void)
{
	struct msg m1, m2, m3, m4;

	msg_init(&m1, "pgp-mime-signed", "one text\n");
	add_sig(&m1, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	snprintf(m1.a.sigs.sig[0].id, KEYS_SIG_ID_MAX, "%s", "sigid-one");
	run(&m1);
	is_str(m1.d.sig_id, "sigid-one", "gpg's SIG_ID is the signature's id");
	msg_init(&m2, "inline-signed", "one text\r\nand more\r\n");
	add_sig(&m2, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	run(&m2);
	msg_init(&m3, "inline-signed", "one text\nand more\n");
	add_sig(&m3, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	run(&m3);
	msg_init(&m4, "inline-signed", "one text\nand more!\n");
	add_sig(&m4, KEYS_SIG_GOOD, FPR_ALICE, &team_alice);
	run(&m4);
	ok(strncmp(m2.d.sig_id, "text:", 5) == 0, "without a SIG_ID, a hash of "
	    "the text (%s)", m2.d.sig_id);
	is_str(m2.d.sig_id, m3.d.sig_id, "CRLF and LF texts have one id");
	ok(strcmp(m3.d.sig_id, m4.d.sig_id) != 0, "different texts differ "
	    "(%s, %s)", m3.d.sig_id, m4.d.sig_id);
}

/* ---- record names -------------------------------------------------------- */

static void
test_names(void)
{
	enum hold_reason r, rr;
	enum post_state s, ss;
	enum post_kind k, kk;
	enum job_state j, jj;
	int i;

	for (i = HOLD_LOOP; i <= HOLD_ADVISORY; i++) {
		r = (enum hold_reason)i;
		rr = HOLD_NONE;
		ok(strcmp(hold_reason_name(r), "") != 0 &&
		    strcmp(hold_reason_name(r), "?") != 0 &&
		    hold_reason_parse(hold_reason_name(r), &rr) == 0 && rr == r,
		    "hold reason %d round-trips as '%s'", i, hold_reason_name(r));
	}
	ok(hold_reason_parse("no-such-reason", &rr) == -1,
	    "an unknown hold reason does not parse");
	ok(hold_reason_parse("", &rr) == -1,
	    "the empty string names no hold reason");

	for (i = 0; i < POST_NSTATES; i++) {
		s = (enum post_state)i;
		ss = POST_NSTATES;
		ok(strcmp(post_state_name(s), "?") != 0 &&
		    post_state_parse(post_state_name(s), &ss) == 0 && ss == s,
		    "post state %d round-trips as '%s'", i, post_state_name(s));
	}
	ok(post_state_parse("no-such-state", &ss) == -1,
	    "an unknown post state does not parse");

	for (i = 0; i < POST_NKINDS; i++) {
		k = (enum post_kind)i;
		kk = POST_NKINDS;
		ok(strcmp(post_kind_name(k), "?") != 0 &&
		    post_kind_parse(post_kind_name(k), &kk) == 0 && kk == k,
		    "post kind %d round-trips as '%s'", i, post_kind_name(k));
	}
	ok(post_kind_parse("no-such-kind", &kk) == -1,
	    "an unknown post kind does not parse");

	for (i = 0; i < JOB_NSTATES; i++) {
		j = (enum job_state)i;
		jj = JOB_NSTATES;
		ok(strcmp(job_state_name(j), "?") != 0 &&
		    job_state_parse(job_state_name(j), &jj) == 0 && jj == j,
		    "job state %d round-trips as '%s'", i, job_state_name(j));
	}
	ok(job_state_parse("no-such-state", &jj) == -1,
	    "an unknown job state does not parse");
}

int
main(void)
{
	test_distribute();
	test_distribute_keywords();
	test_loop();
	test_bad_signature();
	test_key_state();
	test_signers();
	test_unsigned();
	test_auth_holds();
	test_bad_keywords();
	test_severity();
	test_team_beside_others();
	test_two_team();
	test_sig_id();
	test_names();
	return done_testing();
}
