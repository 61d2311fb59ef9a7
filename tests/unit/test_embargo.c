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
facts(enum adv_state state, long last, time_t embargo)
{
	struct adv_facts f;

	memset(&f, 0, sizeof(f));
	f.state = state;
	f.last_revision = last;
	f.embargo = embargo;
	return f;
}

static struct adv_facts
new_adv(void)
{
	return facts(ADV_NEW, 0, 0);
}

/* Embargoed, with no first copy recorded: the limits count from now. */
static struct adv_facts
embargoed(long last, time_t embargo)
{
	return facts(ADV_EMBARGOED, last, embargo);
}

/* Embargoed, the members' first copy (or the last restart) at since. */
static struct adv_facts
embargoed_since(long last, time_t embargo, time_t since)
{
	struct adv_facts f = facts(ADV_EMBARGOED, last, embargo);

	f.clock_from = since;
	f.members_embargo = embargo;
	return f;
}

static struct adv_facts
public_adv(long last)
{
	return facts(ADV_PUBLIC, last, 0);
}

/* Posts: with no Embargo: line, with a date, with "Embargo: none". */
static struct adv_post
bare(long rev)
{
	struct adv_post k;

	memset(&k, 0, sizeof(k));
	k.revision = rev;
	k.has_cve = true;	/* a CVE: line, unless no_cve() */
	return k;
}

static struct adv_post
dated(long rev, time_t when)
{
	struct adv_post k = bare(rev);

	k.embargo_set = true;
	k.embargo = when;
	return k;
}

static struct adv_post
none(long rev)
{
	struct adv_post k = dated(rev, 0);

	k.embargo_none = true;
	return k;
}

/* What else a post says: resend(dated(...)) and the like. */
#define WITH(name, field, value)					\
	static struct adv_post						\
	name(struct adv_post k)						\
	{								\
		k.field = value;					\
		return k;						\
	}
WITH(resend, resend, true)		/* Resend: yes */
WITH(extension, extension, true)	/* Extension: <reason> */
WITH(restart, restart, true)		/* Restart: <reason> */
WITH(no_cve, has_cve, false)		/* no CVE: line */
WITH(approved, approved, true)		/* approved by a moderator */

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
	ok(d.date_notice && d.old_embargo == NOW + 12 * DAY,
	    "libvirt: the members get a date notice beside the revision");
	d = judge(xen, f, dated(2, NOW + 23 * DAY), t);
	expect(&d, ADV_SUPPRESS, false, false, ADV_EMBARGOED, NOW + 23 * DAY,
	    "the members were sent a date notice: the embargo moves from "
	    "2026-01-13 00:00 UTC to 2026-01-24 00:00 UTC",
	    "xen: a suppressed revision moves the date, with a notice");
	ok(d.date_notice && d.old_embargo == NOW + 12 * DAY,
	    "xen: the members are told, though the revision is not sent");
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
	    .date_changes = POL_DATES_NOTIFY, .embargo_max_days = 14,
	    .embargo_max_extended_days = 31 }, f,
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
	ok(!d.date_notice, "xen: the members get the release, no notice");
	d = judge(libvirt, embargoed(2, NOW + 5 * DAY), none(3), NOW + DAY);
	expect(&d, ADV_PUBLISH, false, true, ADV_PUBLIC, 0, "released early",
	    "libvirt: early release, not copied to members");
	ok(d.date_notice && d.old_embargo == NOW + 5 * DAY,
	    "libvirt: the members, who get no copy, get a date notice");
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

	f = embargoed(1, NOW + 7 * DAY);
	memset(&d, 0xa5, sizeof(d));
	adv_release(xen, &f, NOW + 7 * DAY, &d);
	expect(&d, ADV_PUBLISH, true, true, ADV_PUBLIC, 0, NULL,
	    "xen: release to public, copied to members");
	ok(!d.date_notice, "xen: no date notice at the date");
	memset(&d, 0xa5, sizeof(d));
	adv_release(libvirt, &f, NOW + 7 * DAY, &d);
	expect(&d, ADV_PUBLISH, false, true, ADV_PUBLIC, 0, NULL,
	    "libvirt: release to public only");
	ok(!d.date_notice, "libvirt: no date notice at the date");
	xen_nocopy.release_copy_members = false;
	memset(&d, 0xa5, sizeof(d));
	adv_release(&xen_nocopy, &f, NOW + 7 * DAY, &d);
	expect(&d, ADV_PUBLISH, false, true, ADV_PUBLIC, 0, NULL,
	    "xen without copy-members: public only");
	adv_release(libvirt, &f, NOW + DAY, &d);
	ok(d.action == ADV_PUBLISH && d.date_notice && d.old_embargo == NOW +
	    7 * DAY, "libvirt: released early by hand, the members (who get "
	    "no copy) get a date notice");
	adv_release(xen, &f, NOW + DAY, &d);
	ok(d.action == ADV_PUBLISH && d.to_members && !d.date_notice,
	    "xen: released early, the members get the release itself");
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
	adv_release(xen, &f, release, &d);
	expect(&d, ADV_PUBLISH, true, true, ADV_PUBLIC, 0, NULL,
	    "life: released");
	f = apply(f, &d, 2);
	ok(!adv_release_due(&f, release + DAY), "life: released once");
	d = judge(xen, f, bare(3), release + DAY);
	expect(&d, ADV_PUBLISH, true, true, ADV_PUBLIC, 0, NULL,
	    "life: revision 3 after release published");
}

/*
 * The limits count from the members' first copy, not from each revision:
 * pushed on and on, the date needs Extension:, then Restart: where the
 * policy allows restarts.
 */
static void
test_clock(void)
{
	struct adv_facts f = embargoed_since(1, NOW + 10 * DAY, NOW);
	struct adv_decision d;
	time_t t = NOW + 9 * DAY;	/* nine days after the first copy */

	d = judge(xen, f, dated(2, NOW + 19 * DAY), t);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 10 * DAY,
	    "an embargo until 2026-01-20 00:00 UTC, 19 days after the members' "
	    "first copy on 2026-01-01 00:00 UTC, is over the policy's 14: "
	    "give Extension: <reason> for up to 31 days",
	    "xen: 10 days from now but 19 from the first copy: held");
	ok(strstr(d.reason, "Restart") == NULL,
	    "xen: no Restart: offered where the policy refuses restarts");
	d = judge(libvirt, f, dated(2, NOW + 19 * DAY), t);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 10 * DAY,
	    "or Restart: <reason> if the clock must start again",
	    "libvirt: held, and a restart is offered");
	d = judge(libvirt, f, extension(dated(2, NOW + 19 * DAY)), t);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 19 * DAY,
	    "moves from", "libvirt: with Extension: it moves");
	ok(d.clock_from == NOW && !d.restarted,
	    "the clock still counts from the first copy");
	d = judge(libvirt, f, extension(dated(2, NOW + 32 * DAY)), t);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 10 * DAY,
	    "32 days after the members' first copy",
	    "libvirt: 32 days from the first copy held even with Extension:");
	d = judge(libvirt, f, restart(dated(2, NOW + 19 * DAY)), t);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 19 * DAY,
	    "moves from", "libvirt: with Restart: it moves");
	ok(d.restarted && d.clock_from == t,
	    "libvirt: the clock restarts at the restart");
	d = judge(libvirt, f, restart(dated(2, NOW + 24 * DAY)), t);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 10 * DAY,
	    "15 days ahead (2026-01-25 00:00 UTC)",
	    "libvirt: a restart counts 14 days from itself");
	d = judge(xen, f, restart(dated(2, NOW + 12 * DAY)), t);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 10 * DAY,
	    "does not restart the embargo clock (restarts = refuse)",
	    "xen: a Restart: is held");
	d = judge(xen, f, dated(2, NOW + 12 * DAY), t);
	expect(&d, ADV_SUPPRESS, false, false, ADV_EMBARGOED, NOW + 12 * DAY,
	    "date notice", "xen: within 14 days of the first copy: moves");
	ok(d.clock_from == NOW, "xen: the clock stays at the first copy");
	d = judge(libvirt, f, bare(2), NOW + 9 * DAY);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 10 * DAY,
	    NULL, "libvirt: an update keeping the date is not checked");
	ok(!d.date_notice, "libvirt: no date notice when the date stays");
}

/* Three pushes of the date, none with Restart:, the second extended. */
static void
test_pushes(void)
{
	struct adv_facts f = new_adv();
	struct adv_decision d;

	d = judge(libvirt, f, dated(1, NOW + 12 * DAY), NOW);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 12 * DAY,
	    NULL, "push: revision 1 for 12 days");
	ok(d.clock_from == NOW, "push: the clock starts at the first copy");
	f = apply(f, &d, 1);
	f.clock_from = d.clock_from;
	d = judge(libvirt, f, dated(2, NOW + 22 * DAY), NOW + 11 * DAY);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 12 * DAY,
	    "22 days after the members' first copy",
	    "push 1: 11 days from now, 22 from the first copy: held");
	d = judge(libvirt, f, extension(dated(2, NOW + 22 * DAY)),
	    NOW + 11 * DAY);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 22 * DAY,
	    "moves", "push 1 with Extension: applied");
	f = apply(f, &d, 2);
	f.clock_from = d.clock_from;
	d = judge(libvirt, f, extension(dated(3, NOW + 33 * DAY)),
	    NOW + 21 * DAY);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 22 * DAY,
	    "33 days after the members' first copy",
	    "push 2: 12 days from now, 33 from the first: held even extended");
	d = judge(libvirt, f, extension(dated(3, NOW + 38 * DAY)),
	    NOW + 30 * DAY);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 22 * DAY,
	    "38 days after", "push 3: 38 days from the first copy: held");
	d = judge(libvirt, f, restart(dated(3, NOW + 33 * DAY)),
	    NOW + 21 * DAY);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 33 * DAY,
	    "moves", "push 2 with Restart: applied, recorded as a restart");
	ok(d.restarted, "push 2: restarted");
}

/* date-changes: a new date is held for a moderator, or told to all. */
static void
test_date_changes(void)
{
	struct policy lv_hold = *libvirt, xen_hold = *xen;
	struct adv_facts f = embargoed_since(1, NOW + 5 * DAY, NOW);
	struct adv_decision d;

	lv_hold.date_changes = POL_DATES_HOLD;
	xen_hold.date_changes = POL_DATES_HOLD;
	d = judge(xen, f, dated(2, NOW + DAY), NOW + HOUR);
	expect(&d, ADV_SUPPRESS, false, false, ADV_EMBARGOED, NOW + DAY,
	    "the members were sent a date notice: the embargo moves from "
	    "2026-01-06 00:00 UTC to 2026-01-02 00:00 UTC",
	    "xen (notify): a suppressed revision moves the date earlier");
	ok(d.date_notice && d.old_embargo == NOW + 5 * DAY,
	    "xen: every member gets a date notice");
	d = judge(&xen_hold, f, dated(2, NOW + DAY), NOW + HOUR);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 5 * DAY,
	    "revision 2 would move the embargo from 2026-01-06 00:00 UTC to "
	    "2026-01-02 00:00 UTC: the list's policy (date-changes = hold) "
	    "keeps 2026-01-06 00:00 UTC",
	    "date-changes = hold: held, the old date kept");
	ok(!d.date_notice, "hold: nobody is told of a date not applied");
	d = judge(&xen_hold, f, approved(dated(2, NOW + DAY)), NOW + HOUR);
	expect(&d, ADV_SUPPRESS, false, false, ADV_EMBARGOED, NOW + DAY,
	    "date notice", "hold: a moderator's approval applies it");
	ok(d.date_notice, "hold: approved, every member is told");
	d = judge(&lv_hold, f, dated(2, NOW + 5 * DAY), NOW + HOUR);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 5 * DAY,
	    NULL, "hold: a revision keeping the date is not held");
	d = judge(&lv_hold, f, dated(2, NOW + 7 * DAY), NOW + HOUR);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 5 * DAY,
	    "would move", "hold: a later date is held too");
	d = judge(&lv_hold, f, approved(dated(2, NOW + 20 * DAY)), NOW + HOUR);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 5 * DAY,
	    "over the policy's 14",
	    "hold: approval does not lift the limits");
}

/* The release never happens before the last date the members were sent. */
static void
test_guard(void)
{
	struct adv_facts f = embargoed_since(1, NOW + DAY, NOW);

	f.members_embargo = NOW + 5 * DAY;
	ok(!adv_release_due(&f, NOW + DAY), "not due at a date the members "
	    "were never sent");
	ok(adv_release_due(&f, NOW + 5 * DAY), "due at the members' date");
	f.members_embargo = 0;
	ok(adv_release_due(&f, NOW + DAY), "no members' date recorded: the "
	    "embargo decides");
}

/* require-cve. */
static void
test_cve(void)
{
	struct policy never = *libvirt;
	struct adv_facts f = embargoed_since(1, NOW + 5 * DAY, NOW);
	struct adv_decision d;

	never.require_cve = POL_CVE_NEVER;
	d = judge(xen, new_adv(), no_cve(dated(1, NOW + 7 * DAY)), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_NEW, 0,
	    "revision 1 of this advisory has no CVE: line, and the list's "
	    "policy requires one on every revision (require-cve = always): "
	    "post it again with CVE: CVE-YYYY-NNNN",
	    "always: a first revision without a CVE: held");
	d = judge(xen, f, no_cve(bare(2)), NOW + DAY);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 5 * DAY,
	    "require-cve = always", "always: an update without one held");
	d = judge(xen, public_adv(2), no_cve(bare(3)), NOW + DAY);
	expect(&d, ADV_HOLD, false, false, ADV_PUBLIC, 0, "has no CVE",
	    "always: after release too");
	d = judge(xen, new_adv(), dated(1, NOW + 7 * DAY), NOW);
	ok(d.action == ADV_DELIVER && d.cve_remind_at == 0,
	    "always: with a CVE delivered, nothing to remind");
	d = judge(libvirt, new_adv(), no_cve(dated(1, NOW + 7 * DAY)), NOW);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 7 * DAY,
	    NULL, "before-release: delivered without a CVE");
	ok(d.cve_remind_at == NOW + 5 * DAY, "before-release: the team is "
	    "reminded 2 days before the date");
	d = judge(libvirt, f, no_cve(dated(2, NOW + 9 * DAY)), NOW + DAY);
	ok(d.cve_remind_at == NOW + 7 * DAY,
	    "before-release: a new date moves the reminder");
	f.has_cve = true;
	d = judge(libvirt, f, no_cve(bare(2)), NOW + DAY);
	ok(d.action == ADV_DELIVER && d.cve_remind_at == 0,
	    "before-release: a CVE on an earlier revision is enough");
	d = judge(libvirt, new_adv(), dated(1, NOW + 7 * DAY), NOW);
	ok(d.cve_remind_at == 0, "before-release: no reminder with a CVE");
	d = judge(libvirt, new_adv(), no_cve(none(1)), NOW);
	ok(d.action == ADV_PUBLISH && d.cve_remind_at == 0,
	    "before-release: nothing to remind of a public advisory");
	d = judge(&never, new_adv(), no_cve(dated(1, NOW + 7 * DAY)), NOW);
	ok(d.action == ADV_DELIVER && d.cve_remind_at == 0,
	    "never: delivered, no reminder");
}

/* Nothing is published into the void. */
static void
test_no_public(void)
{
	struct adv_facts f;
	struct adv_decision d;

	f = new_adv();
	f.no_public = true;
	d = judge(xen, f, none(1), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_NEW, 0,
	    "this advisory would be published now, but the list has no "
	    "public address: set one with listctl list set LIST --public "
	    "ADDRESS", "Embargo: none without a public address: held");
	f = embargoed(1, NOW + 5 * DAY);
	f.no_public = true;
	d = judge(libvirt, f, none(2), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 5 * DAY,
	    "no public address", "an early release without one: held");
	d = judge(libvirt, f, bare(2), NOW);
	expect(&d, ADV_DELIVER, true, false, ADV_EMBARGOED, NOW + 5 * DAY,
	    NULL, "an embargoed revision goes to the members all the same");
	memset(&d, 0xa5, sizeof(d));
	adv_release(xen, &f, NOW + 5 * DAY, &d);
	expect(&d, ADV_HOLD, false, false, ADV_EMBARGOED, NOW + 5 * DAY,
	    "the list has no public address: set one with listctl list set "
	    "LIST --public ADDRESS", "a release without one: held");
	f = public_adv(1);
	f.no_public = true;
	d = judge(xen, f, bare(2), NOW);
	expect(&d, ADV_HOLD, false, false, ADV_PUBLIC, 0, "no public address",
	    "a revision after release without one: held");
}

int
main(void)
{
	xen = load_profile("xen");
	libvirt = load_profile("libvirt");
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
	test_clock();
	test_pushes();
	test_date_changes();
	test_guard();
	test_cve();
	test_no_public();
	pol_free(xen);
	pol_free(libvirt);
	return done_testing();
}
