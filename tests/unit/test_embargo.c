/*
 * tests/unit/test_embargo.c: the advisory state machine of policy/embargo.h,
 * driven with injected time over every transition, under the shipped xen
 * and libvirt profiles and under policies varied in memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/embargo.h"
#include "tap.h"

#define DAY	86400
#define HOUR	3600
#define NOW	((time_t)1767225600)	/* 2026-01-01 00:00:00 UTC */

static struct policy *xen, *libvirt;

static struct policy *
load(const char *top, const char *rel)
{
	struct policy *p = NULL;
	char path[1024], err[512];

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	if (pol_load(path, &p, err, sizeof(err)) == -1) {
		printf("Bail out! %s\n", err);
		exit(1);
	}
	return p;
}

/* A shallow copy of a loaded policy with one thing changed. */
static struct policy
with_updates(const struct policy *p, enum pol_updates u)
{
	struct policy v = *p;

	v.updates = u;
	return v;
}

/* What the list knows. */
static struct adv_facts
new_adv(void)
{
	struct adv_facts f = { ADV_NEW, 0, 0 };

	return f;
}

static struct adv_facts
embargoed(long last, time_t embargo)
{
	struct adv_facts f = { ADV_EMBARGOED, last, embargo };

	return f;
}

static struct adv_facts
public_adv(long last)
{
	struct adv_facts f = { ADV_PUBLIC, last, 0 };

	return f;
}

/* Posts: with a date, with "Embargo: none", with no Embargo: line. */
static struct adv_post
dated(long rev, time_t when)
{
	struct adv_post k;

	memset(&k, 0, sizeof(k));
	k.revision = rev;
	k.embargo_set = true;
	k.embargo = when;
	return k;
}

static struct adv_post
none(long rev)
{
	struct adv_post k;

	memset(&k, 0, sizeof(k));
	k.revision = rev;
	k.embargo_set = true;
	k.embargo_none = true;
	return k;
}

static struct adv_post
bare(long rev)
{
	struct adv_post k;

	memset(&k, 0, sizeof(k));
	k.revision = rev;
	return k;
}

static struct adv_post
resend(struct adv_post k)
{
	k.resend = true;
	return k;
}

static struct adv_post
extension(struct adv_post k)
{
	k.extension = true;
	return k;
}

/*
 * One judgement checked whole: action, recipients, state and embargo in
 * one test, the reason in another (frag NULL: the reason must be "").
 */
static void
expect(const struct adv_decision *d, enum adv_action action, bool members,
    bool public, enum adv_state state, time_t embargo, const char *frag,
    const char *name)
{
	bool good;

	good = d->action == action && d->to_members == members &&
	    d->to_public == public && d->state == state &&
	    d->embargo == embargo && strchr(d->reason, '\n') == NULL &&
	    strlen(d->reason) < sizeof(d->reason) - 1;
	ok(good, "%s: %s, members %s, public %s, %s", name,
	    adv_action_name(action), members ? "yes" : "no",
	    public ? "yes" : "no", adv_state_name(state));
	if (!good)
		diag("got %s, members %d, public %d, %s, embargo NOW%+lld s, "
		    "reason '%s'", adv_action_name(d->action), d->to_members,
		    d->to_public, adv_state_name(d->state),
		    (long long)(d->embargo - NOW), d->reason);
	if (frag == NULL)
		is_str(d->reason, "", "%s: no remark", name);
	else
		like(d->reason, frag, "%s: reason says '%s'", name, frag);
}

static struct adv_decision
judge(const struct policy *p, struct adv_facts f, struct adv_post k,
    time_t now)
{
	struct adv_decision d;

	memset(&d, 0xa5, sizeof(d));	/* everything must be set */
	adv_judge(p, &f, &k, now, &d);
	return d;
}

/* The facts after a decision, as the store would keep them. */
static struct adv_facts
apply(struct adv_facts f, const struct adv_decision *d, long rev)
{
	if (d->action == ADV_HOLD)
		return f;
	f.state = d->state;
	f.last_revision = rev;
	f.embargo = d->embargo;
	return f;
}

static void
test_names(void)
{
	is_str(adv_state_name(ADV_NEW), "new", "state name new");
	is_str(adv_state_name(ADV_EMBARGOED), "embargoed",
	    "state name embargoed");
	is_str(adv_state_name(ADV_PUBLIC), "public", "state name public");
	is_str(adv_state_name((enum adv_state)7), "unknown",
	    "state name out of range");
	is_str(adv_action_name(ADV_HOLD), "hold", "action name hold");
	is_str(adv_action_name(ADV_DELIVER), "deliver", "action name deliver");
	is_str(adv_action_name(ADV_SUPPRESS), "suppress",
	    "action name suppress");
	is_str(adv_action_name(ADV_PUBLISH), "publish", "action name publish");
	is_str(adv_action_name((enum adv_action)-1), "unknown",
	    "action name out of range");
}

/* new -> embargoed: revision 1 goes to the members, under both profiles. */
static void
test_first(void)
{
	struct adv_decision d;

	d = judge(xen, new_adv(), dated(1, NOW + 7 * DAY), NOW);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 7 * DAY,
	    NULL, "xen: revision 1 delivered");
	d = judge(libvirt, new_adv(), dated(1, NOW + 7 * DAY), NOW);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 7 * DAY,
	    NULL, "libvirt: revision 1 delivered");
	d = judge(xen, new_adv(), resend(dated(1, NOW + DAY)), NOW);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + DAY, NULL,
	    "xen: Resend: yes on a first revision changes nothing");
	d = judge(xen, new_adv(), extension(dated(1, NOW + 3 * DAY)), NOW);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 3 * DAY,
	    NULL, "xen: an Extension: within 14 days is not needed, no remark");
	d = judge(xen, new_adv(), dated(3, NOW + DAY), NOW);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + DAY, NULL,
	    "xen: a first post may start above revision 1");
}

/* Revision 2 during the embargo, by `updates`. */
static void
test_updates(void)
{
	struct policy deliver, onreq, onreq_lv;
	struct adv_facts f = embargoed(1, NOW + 7 * DAY);
	struct adv_decision d;
	time_t t = NOW + DAY;

	deliver = with_updates(xen, POL_UPDATES_DELIVER);
	onreq = with_updates(xen, POL_UPDATES_ON_REQUEST);
	onreq_lv = with_updates(libvirt, POL_UPDATES_ON_REQUEST);

	d = judge(xen, f, bare(2), t);
	expect(&d, ADV_SUPPRESS, false, false, ADV_EMBARGOED, NOW + 7 * DAY,
	    "revision 2 of this advisory was recorded but not re-sent: the "
	    "list's policy suppresses updates during the embargo",
	    "xen: revision 2 suppressed");
	like(d.reason, "published at the release",
	    "xen: suppressed revision: the poster learns when it goes out");
	d = judge(xen, f, resend(dated(2, NOW + 7 * DAY)), t);
	expect(&d, ADV_SUPPRESS, false, false, ADV_EMBARGOED, NOW + 7 * DAY,
	    "suppresses updates",
	    "xen: Resend: yes does not override suppress");
	d = judge(libvirt, f, bare(2), t);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 7 * DAY,
	    NULL, "libvirt: revision 2 delivered");
	d = judge(&deliver, f, dated(2, NOW + 7 * DAY), t);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 7 * DAY,
	    NULL, "xen, updates = deliver: revision 2 delivered, same date");
	d = judge(&onreq, f, bare(2), t);
	expect(&d, ADV_SUPPRESS, false, false, ADV_EMBARGOED, NOW + 7 * DAY,
	    "post it as revision 3 with Resend: yes",
	    "on-request: revision 2 without Resend: suppressed");
	like(d.reason, "recorded but not re-sent",
	    "on-request: the poster is told it was not re-sent");
	d = judge(&onreq, f, resend(bare(2)), t);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 7 * DAY,
	    "re-sent on request (Resend: yes)",
	    "on-request: revision 2 with Resend: yes delivered");
	d = judge(&onreq_lv, f, resend(dated(2, NOW + 7 * DAY)), t);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 7 * DAY,
	    "Resend: yes", "libvirt, on-request: delivered with Resend: yes");
	d = judge(&onreq_lv, f, dated(2, NOW + 7 * DAY), t);
	expect(&d, ADV_SUPPRESS, false, false, ADV_EMBARGOED, NOW + 7 * DAY,
	    "Resend: yes", "libvirt, on-request: suppressed without it");
}

/* A revision must grow; a held one changes nothing. */
static void
test_revisions(void)
{
	struct adv_facts f = embargoed(3, NOW + 7 * DAY);
	struct adv_decision d;

	d = judge(libvirt, f, dated(2, NOW + 5 * DAY), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 7 * DAY,
	    "revision 2 of this advisory is not above revision 3, the last: "
	    "post it as revision 4", "libvirt: a lower revision held");
	d = judge(xen, f, bare(3), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 7 * DAY,
	    "revision 3 of this advisory is not above revision 3",
	    "xen: an equal revision held");
	d = judge(xen, f, none(3), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 7 * DAY,
	    "post it as revision 4",
	    "xen: an equal revision held even with Embargo: none");
	d = judge(libvirt, f, resend(bare(4)), NOW);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 7 * DAY,
	    NULL, "libvirt: the next revision passes");
	d = judge(xen, public_adv(5), none(5), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_PUBLIC, 0,
	    "not above revision 5, the last: post it as revision 6",
	    "xen: an equal revision after release held");
	d = judge(xen, new_adv(), dated(0, NOW + DAY), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_NEW, 0,
	    "post it as revision 1", "xen: revision 0 on a new advisory held");
	d = judge(xen, new_adv(), dated(-1, NOW + DAY), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_NEW, 0,
	    "revision -1 of this advisory",
	    "xen: a negative revision held");
}

/* The limits: 14 days, 31 with Extension:, counted from now. */
static void
test_limits_with(const struct policy *p)
{
	struct adv_decision d;

	d = judge(p, new_adv(), dated(1, NOW + 20 * DAY), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_NEW, 0,
	    "an embargo 20 days ahead (2026-01-21 00:00 UTC) is over the "
	    "policy's 14: give Extension: <reason> for up to 31 days",
	    "20 days refused without Extension");
	d = judge(p, new_adv(), extension(dated(1, NOW + 20 * DAY)), NOW);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 20 * DAY,
	    "an extended embargo, until 2026-01-21 00:00 UTC",
	    "20 days accepted with Extension");
	d = judge(p, new_adv(), extension(dated(1, NOW + 32 * DAY)), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_NEW, 0,
	    "32 days ahead (2026-02-02 00:00 UTC) is over the policy's "
	    "longest, 31 days even with Extension",
	    "32 days refused even with Extension");
	d = judge(p, new_adv(), dated(1, NOW + 32 * DAY), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_NEW, 0,
	    "31 days even with Extension: give an earlier date",
	    "32 days refused without Extension: an Extension would not help");
	d = judge(p, new_adv(), dated(1, NOW + 14 * DAY), NOW);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 14 * DAY,
	    NULL, "exactly 14 days accepted");
	d = judge(p, new_adv(), dated(1, NOW + 14 * DAY + 1), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_NEW, 0,
	    "an embargo more than 14 days ahead",
	    "14 days + 1 s refused");
	d = judge(p, new_adv(), extension(dated(1, NOW + 31 * DAY)), NOW);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 31 * DAY,
	    "extended", "exactly 31 days accepted with Extension");
	d = judge(p, new_adv(), extension(dated(1, NOW + 31 * DAY + 1)), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_NEW, 0,
	    "more than 31 days ahead", "31 days + 1 s refused with Extension");
	d = judge(p, new_adv(), dated(1, NOW + 1), NOW);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 1, NULL,
	    "1 s ahead accepted");
}

static void
test_limits(void)
{
	struct policy narrow = *xen;
	struct adv_decision d;

	test_limits_with(xen);
	test_limits_with(libvirt);
	narrow.embargo_max_days = 3;
	narrow.embargo_max_extended_days = 5;
	d = judge(&narrow, new_adv(), dated(1, NOW + 4 * DAY), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_NEW, 0,
	    "4 days ahead (2026-01-05 00:00 UTC) is over the policy's 3: give "
	    "Extension: <reason> for up to 5 days",
	    "a 3/5-day policy: its own limits in the reason");
	d = judge(&narrow, new_adv(), extension(dated(1, NOW + 5 * DAY)), NOW);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 5 * DAY,
	    "over the policy's 3 days", "a 3/5-day policy: 5 days extended");
}

/* The date must be in the future. */
static void
test_past(void)
{
	struct adv_decision d;

	d = judge(xen, new_adv(), dated(1, NOW - 12 * HOUR), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_NEW, 0,
	    "the embargo 2025-12-31 12:00 UTC is past",
	    "xen: a past embargo held");
	like(d.reason, "give a date after 2026-01-01 00:00 UTC, at most 14 "
	    "days ahead", "the past embargo: what to do");
	d = judge(libvirt, new_adv(), dated(1, NOW), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_NEW, 0,
	    "the embargo 2026-01-01 00:00 UTC is past",
	    "libvirt: an embargo of now is past");
	d = judge(libvirt, embargoed(1, NOW + 5 * DAY), dated(2, NOW - DAY),
	    NOW + HOUR);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 5 * DAY,
	    "is past", "libvirt: an update with a past date held, date kept");
}

/* A later revision moves the date; the clock restarts from it. */
static void
test_move(void)
{
	struct adv_facts f;
	struct adv_decision d;
	time_t t = NOW + 10 * DAY;	/* revision 2, ten days on */

	f = embargoed(1, NOW + 12 * DAY);
	d = judge(libvirt, f, dated(2, NOW + 23 * DAY), t);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 23 * DAY,
	    "the embargo moves from 2026-01-13 00:00 UTC to 2026-01-24 00:00 "
	    "UTC", "libvirt: 13 days after revision 2, 23 after revision 1");
	d = judge(xen, f, dated(2, NOW + 23 * DAY), t);
	expect(&d, ADV_SUPPRESS, false, false, ADV_EMBARGOED, NOW + 23 * DAY,
	    "members were not told that the embargo moves from 2026-01-13 "
	    "00:00 UTC to 2026-01-24 00:00 UTC",
	    "xen: a suppressed revision still moves the date");
	d = judge(libvirt, f, dated(2, NOW + 25 * DAY), t);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 12 * DAY,
	    "15 days ahead (2026-01-26 00:00 UTC) is over the policy's 14",
	    "libvirt: 15 days after revision 2 needs Extension, date kept");
	d = judge(libvirt, f, extension(dated(2, NOW + 25 * DAY)), t);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 25 * DAY,
	    "moves from", "libvirt: with Extension it moves");
	d = judge(libvirt, f, extension(dated(2, NOW + 42 * DAY)), t);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 12 * DAY,
	    "32 days ahead", "libvirt: 32 days after revision 2 refused");
	d = judge(libvirt, f, dated(2, NOW + 11 * DAY), t);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 11 * DAY,
	    "to 2026-01-12 00:00 UTC", "libvirt: the date may move earlier");
	f = embargoed(1, NOW + 12 * DAY);
	d = judge(&(struct policy){ .updates = POL_UPDATES_ON_REQUEST,
	    .embargo_max_days = 14, .embargo_max_extended_days = 31 }, f,
	    resend(dated(2, NOW + 20 * DAY)), t);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 20 * DAY,
	    "re-sent on request (Resend: yes); the embargo moves from",
	    "on-request: re-sent and moved");
}

/* No Embargo: line. */
static void
test_no_line(void)
{
	struct adv_decision d;

	d = judge(xen, new_adv(), bare(1), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_NEW, 0,
	    "this advisory has no Embargo: give a date (YYYY-MM-DD HH:MM UTC) "
	    "or none", "xen: a new advisory without Embargo: held");
	d = judge(libvirt, new_adv(), extension(resend(bare(1))), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_NEW, 0, "has no Embargo",
	    "libvirt: held whatever else it says");
	d = judge(libvirt, embargoed(1, NOW + 9 * DAY), bare(2), NOW + DAY);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 9 * DAY,
	    NULL, "libvirt: an update without Embargo: keeps the date");
	/* An extended date kept by an update is not checked again. */
	d = judge(libvirt, embargoed(1, NOW + 30 * DAY), bare(2), NOW + DAY);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 30 * DAY,
	    NULL, "libvirt: a kept extended date needs no Extension again");
	d = judge(xen, embargoed(1, NOW + 30 * DAY), bare(2), NOW + DAY);
	expect(&d, ADV_SUPPRESS, false, false, ADV_EMBARGOED, NOW + 30 * DAY,
	    "suppresses updates", "xen: suppressed, the kept date stays");
}

/* Embargo: none. */
static void
test_none(void)
{
	struct policy xen_to = *xen, lv_copy = *libvirt;
	struct adv_decision d;

	xen_to.embargo_none_to_members = true;
	lv_copy.release_copy_members = true;
	d = judge(xen, new_adv(), none(1), NOW);
	expect(&d, ADV_PUBLISH, false, true, ADV_PUBLIC, 0,
	    "not sent to the members",
	    "xen: Embargo: none on a new advisory: public only");
	d = judge(libvirt, new_adv(), none(1), NOW);
	expect(&d, ADV_PUBLISH, true, true, ADV_PUBLIC, 0,
	    "and sent to the members",
	    "libvirt: Embargo: none on a new advisory: public and members");
	d = judge(&xen_to, new_adv(), none(1), NOW);
	expect(&d, ADV_PUBLISH, true, true, ADV_PUBLIC, 0, "published at once",
	    "xen with none-to-members: to the members too");

	d = judge(xen, embargoed(2, NOW + 5 * DAY), none(3), NOW + DAY);
	expect(&d, ADV_PUBLISH, true, true, ADV_PUBLIC, 0,
	    "released early by Embargo: none (the embargo was 2026-01-06 "
	    "00:00 UTC)", "xen: Embargo: none mid-embargo releases early");
	d = judge(libvirt, embargoed(2, NOW + 5 * DAY), none(3), NOW + DAY);
	expect(&d, ADV_PUBLISH, false, true, ADV_PUBLIC, 0, "released early",
	    "libvirt: early release, not copied to members");
	d = judge(&lv_copy, embargoed(2, NOW + 5 * DAY), none(3), NOW + DAY);
	expect(&d, ADV_PUBLISH, true, true, ADV_PUBLIC, 0, "released early",
	    "libvirt with copy-members: early release copied");
	xen_to.release_copy_members = false;
	d = judge(&xen_to, embargoed(2, NOW + 5 * DAY), none(3), NOW + DAY);
	expect(&d, ADV_PUBLISH, false, true, ADV_PUBLIC, 0, "released early",
	    "early release follows copy-members, not none-to-members");
}

/* Revisions after release. */
static void
test_after_release(void)
{
	struct policy lv_copy = *libvirt;
	struct adv_decision d;

	lv_copy.release_copy_members = true;
	d = judge(xen, public_adv(2), bare(3), NOW);
	expect(&d, ADV_PUBLISH, true, true, ADV_PUBLIC, 0, NULL,
	    "xen: revision 3 after release published, copied to members");
	d = judge(libvirt, public_adv(2), bare(3), NOW);
	expect(&d, ADV_PUBLISH, false, true, ADV_PUBLIC, 0, NULL,
	    "libvirt: revision 3 after release published, public only");
	d = judge(&lv_copy, public_adv(2), bare(3), NOW);
	expect(&d, ADV_PUBLISH, true, true, ADV_PUBLIC, 0, NULL,
	    "libvirt with copy-members: to the members too");
	d = judge(xen, public_adv(2), dated(3, NOW + 5 * DAY), NOW);
	expect(&d, ADV_PUBLISH, true, true, ADV_PUBLIC, 0,
	    "already public: the Embargo: 2026-01-06 00:00 UTC on this "
	    "revision is ignored",
	    "xen: an Embargo: date after release ignored");
	d = judge(libvirt, public_adv(2), dated(3, NOW - 5 * DAY), NOW);
	expect(&d, ADV_PUBLISH, false, true, ADV_PUBLIC, 0, "is ignored",
	    "libvirt: even a past date after release is ignored, not held");
	d = judge(libvirt, public_adv(2), none(3), NOW);
	expect(&d, ADV_PUBLISH, false, true, ADV_PUBLIC, 0, NULL,
	    "libvirt: Embargo: none after release: published, no remark");
}

static void
test_release(void)
{
	struct adv_facts f = embargoed(1, NOW + 7 * DAY);
	struct adv_decision d;
	struct policy xen_nocopy = *xen;

	ok(!adv_release_due(&f, NOW + 7 * DAY - 1), "not due 1 s before");
	ok(adv_release_due(&f, NOW + 7 * DAY), "due at the date");
	ok(adv_release_due(&f, NOW + 30 * DAY), "due after the date "
	    "(listd was down)");
	f.state = ADV_PUBLIC;
	ok(!adv_release_due(&f, NOW + 30 * DAY), "not due once public");
	f = new_adv();
	ok(!adv_release_due(&f, NOW), "a new advisory is never due");

	memset(&d, 0xa5, sizeof(d));
	adv_release(xen, &d);
	expect(&d, ADV_PUBLISH, true, true, ADV_PUBLIC, 0, NULL,
	    "xen: release to public, copied to members");
	memset(&d, 0xa5, sizeof(d));
	adv_release(libvirt, &d);
	expect(&d, ADV_PUBLISH, false, true, ADV_PUBLIC, 0, NULL,
	    "libvirt: release to public only");
	xen_nocopy.release_copy_members = false;
	memset(&d, 0xa5, sizeof(d));
	adv_release(&xen_nocopy, &d);
	expect(&d, ADV_PUBLISH, false, true, ADV_PUBLIC, 0, NULL,
	    "xen without copy-members: public only");
}

/* One advisory's whole life under xen, time moving on. */
static void
test_lifecycle(void)
{
	struct adv_facts f = new_adv();
	struct adv_decision d;
	time_t release = NOW + 7 * DAY;

	d = judge(xen, f, dated(1, release), NOW);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, release, NULL,
	    "life: revision 1 delivered");
	f = apply(f, &d, 1);
	d = judge(xen, f, bare(2), NOW + DAY);
	expect(&d, ADV_SUPPRESS, false, false, ADV_EMBARGOED, release,
	    "recorded but not re-sent", "life: revision 2 suppressed");
	f = apply(f, &d, 2);
	d = judge(xen, f, bare(2), NOW + DAY + HOUR);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, release,
	    "post it as revision 3", "life: revision 2 again held");
	ok(!adv_release_due(&f, release - 1) && adv_release_due(&f, release),
	    "life: due at the embargo, not before");
	adv_release(xen, &d);
	expect(&d, ADV_PUBLISH, true, true, ADV_PUBLIC, 0, NULL,
	    "life: released");
	f = apply(f, &d, 2);
	ok(!adv_release_due(&f, release + DAY), "life: released once");
	d = judge(xen, f, bare(3), release + DAY);
	expect(&d, ADV_PUBLISH, true, true, ADV_PUBLIC, 0, NULL,
	    "life: revision 3 after release published");
}

int
main(void)
{
	const char *top;

	if ((top = getenv("top_srcdir")) == NULL || *top == '\0')
		top = ".";
	xen = load(top, "policy/xen.conf");
	libvirt = load(top, "policy/libvirt.conf");
	test_names();
	test_first();
	test_updates();
	test_revisions();
	test_limits();
	test_past();
	test_move();
	test_no_line();
	test_none();
	test_after_release();
	test_release();
	test_lifecycle();
	pol_free(xen);
	pol_free(libvirt);
	return done_testing();
}
