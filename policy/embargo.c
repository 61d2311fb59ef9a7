/*
 * policy/embargo.c: the advisory lifecycle (see embargo.h).
 *
 * Pure: no I/O, no globals, `now` comes from the caller.  The order of the
 * rules in adv_judge(): the revision must grow, carry a CVE where the
 * policy says always, and carry no Restart: where the policy refuses them;
 * a public advisory stays public; "Embargo: none" publishes at once (both
 * only where there is a public address to publish to); otherwise the
 * embargo decides: the new date, checked against the policy's limits
 * counted from the members' first copy (or the clock's last restart, or
 * now for a first distribution or a Restart:), or the kept one.  A date
 * that moves is held for a moderator (date-changes = hold) or comes with
 * a date notice to every member; an update follows `updates`.
 *
 * A decision's embargo is set only when its state is ADV_EMBARGOED, and is 0
 * otherwise.  A HOLD leaves the advisory as it was (state and embargo from
 * the facts).  The reasons do not name the advisory, which the rules are not
 * given: they say "this advisory", and the caller may prefix its id.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "policy/embargo.h"

#define DAY	86400

struct when {
	char	 s[40];
};

static const char *const state_names[] = {
	[ADV_NEW] = "new",
	[ADV_EMBARGOED] = "embargoed",
	[ADV_PUBLIC] = "public"
};

static const char *const action_names[] = {
	[ADV_HOLD] = "hold",
	[ADV_DELIVER] = "deliver",
	[ADV_SUPPRESS] = "suppress",
	[ADV_PUBLISH] = "publish"
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

const char *
adv_state_name(enum adv_state s)
{
	return (unsigned)s < NELEM(state_names) ? state_names[s] : "unknown";
}

const char *
adv_action_name(enum adv_action a)
{
	return (unsigned)a < NELEM(action_names) ? action_names[a] : "unknown";
}

/* UTC "YYYY-MM-DD HH:MM UTC", the form the Embargo: keyword takes. */
static struct when
utc(time_t t)
{
	struct when w;

	fmt_time(t, "%Y-%m-%d %H:%M UTC", w.s, sizeof(w.s));
	return w;
}

static void say(struct adv_decision *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(struct adv_decision *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
	va_end(ap);
}

/* Sets the outcome; embargo counts only for ADV_EMBARGOED. */
static void
set(struct adv_decision *d, enum adv_action action, bool to_members,
    bool to_public, enum adv_state state, time_t embargo)
{
	d->action = action;
	d->to_members = to_members;
	d->to_public = to_public;
	d->state = state;
	d->embargo = state == ADV_EMBARGOED ? embargo : 0;
}

/* Nothing sent, the advisory as it was. */
static void
hold(const struct adv_facts *f, struct adv_decision *d)
{
	set(d, ADV_HOLD, false, false, f->state, f->embargo);
}

static bool
revision_grows(const struct adv_facts *f, const struct adv_post *k,
    struct adv_decision *d)
{
	if (k->revision > f->last_revision && k->revision > 0)
		return true;
	hold(f, d);
	if (f->last_revision <= 0)
		say(d, "revision %ld of this advisory is not a revision "
		    "number: post it as revision 1", k->revision);
	else
		say(d, "revision %ld of this advisory is not above revision "
		    "%ld, the last: post it as revision %ld", k->revision,
		    f->last_revision, f->last_revision + 1);
	return false;
}

/* require-cve = always: every revision names its CVE. */
static bool
cve_ok(const struct policy *p, const struct adv_facts *f,
    const struct adv_post *k, struct adv_decision *d)
{
	if (p->require_cve != POL_CVE_ALWAYS || k->has_cve)
		return true;
	hold(f, d);
	say(d, "revision %ld of this advisory has no CVE: line, and the "
	    "list's policy requires one on every revision (require-cve = "
	    "always): post it again with CVE: CVE-YYYY-NNNN", k->revision);
	return false;
}

/* A Restart: where the policy has none. */
static bool
restart_ok(const struct policy *p, const struct adv_facts *f,
    const struct adv_post *k, struct adv_decision *d)
{
	if (!k->restart || p->restarts)
		return true;
	hold(f, d);
	say(d, "the list's policy does not restart the embargo clock "
	    "(restarts = refuse): post it again without Restart:, with a "
	    "date within %u days of the members' first copy, or up to %u "
	    "with Extension: <reason>", p->embargo_max_days,
	    p->embargo_max_extended_days);
	return false;
}

/* What would be published has nowhere to go. */
static bool
public_ok(const struct adv_facts *f, struct adv_decision *d)
{
	if (!f->no_public)
		return true;
	hold(f, d);
	say(d, "this advisory would be published now, but the list has no "
	    "public address: set one with listctl list set LIST --public "
	    "ADDRESS, then approve this post or post it again");
	return false;
}

/* "20 days", or "more than 14 days" when it is not a whole number. */
static void
days_ahead(uintmax_t secs, char *buf, size_t len)
{
	snprintf(buf, len, "%s%ju days", secs % DAY != 0 ? "more than " : "",
	    secs / DAY);
}

/*
 * What the limits count from: now for a first distribution or a restart,
 * otherwise the members' first copy or the clock's last restart.
 */
static time_t
clock_base(const struct policy *p, const struct adv_facts *f,
    const struct adv_post *k, time_t now)
{
	if (f->state != ADV_EMBARGOED || f->clock_from == 0 ||
	    f->clock_from > now || (k->restart && p->restarts))
		return now;
	return f->clock_from;
}

/*
 * How far the date is: "20 days ahead (DATE)" counted from now, or "until
 * DATE, 20 days after the members' first copy on DATE2," (or the clock's
 * last restart).
 */
static void
how_far(const struct adv_facts *f, time_t embargo, time_t base, time_t now,
    char *buf, size_t len)
{
	char n[48];

	days_ahead((uintmax_t)embargo - (uintmax_t)base, n, sizeof(n));
	if (base == now)
		snprintf(buf, len, "%s ahead (%s)", n, utc(embargo).s);
	else
		snprintf(buf, len, "until %s, %s after %s on %s,",
		    utc(embargo).s, n, f->restarts > 0 ?
		    "the clock's last restart" : "the members' first copy",
		    utc(base).s);
}

/* What else may help, for a reason: a restart where the policy has one. */
static const char *
or_restart(const struct policy *p, const struct adv_post *k, time_t base,
    time_t now)
{
	return base != now && p->restarts && !k->restart ? ", or Restart: "
	    "<reason> if the clock must start again" : "";
}

/*
 * Whether the date k->embargo is in the future and within the policy's
 * limits, counted from clock_base(); if not, d is a HOLD saying why.
 */
static bool
date_ok(const struct policy *p, const struct adv_facts *f,
    const struct adv_post *k, time_t now, struct adv_decision *d)
{
	time_t base = clock_base(p, f, k, now);
	uintmax_t ahead;
	char far[200];

	if (k->embargo <= now) {
		hold(f, d);
		say(d, "the embargo %s is past: give a date after %s, at most "
		    "%u days ahead", utc(k->embargo).s, utc(now).s,
		    p->embargo_max_days);
		return false;
	}
	/* Unsigned: the true difference is positive and fits. */
	ahead = (uintmax_t)k->embargo - (uintmax_t)base;
	if (ahead <= (uintmax_t)p->embargo_max_days * DAY)
		return true;
	how_far(f, k->embargo, base, now, far, sizeof(far));
	if (ahead <= (uintmax_t)p->embargo_max_extended_days * DAY) {
		if (k->extension)
			return true;
		hold(f, d);
		say(d, "an embargo %s is over the policy's %u: give Extension: "
		    "<reason> for up to %u days, or an earlier date%s", far,
		    p->embargo_max_days, p->embargo_max_extended_days,
		    or_restart(p, k, base, now));
		return false;
	}
	hold(f, d);
	say(d, "an embargo %s is over the policy's longest, %u days even with "
	    "Extension: give an earlier date%s", far,
	    p->embargo_max_extended_days, or_restart(p, k, base, now));
	return false;
}

/* Whether the accepted date needed the extension (for the remark). */
static bool
extended(const struct policy *p, const struct adv_post *k, time_t base)
{
	return (uintmax_t)k->embargo - (uintmax_t)base >
	    (uintmax_t)p->embargo_max_days * DAY;
}

/* After release every revision is published; a date is moot. */
static void
judge_public(const struct policy *p, const struct adv_facts *f,
    const struct adv_post *k, struct adv_decision *d)
{
	if (!public_ok(f, d))
		return;
	set(d, ADV_PUBLISH, p->release_copy_members, true, ADV_PUBLIC, 0);
	if (k->embargo_set && !k->embargo_none)
		say(d, "this advisory is already public: the Embargo: %s "
		    "on this revision is ignored", utc(k->embargo).s);
}

static void
judge_none(const struct policy *p, const struct adv_facts *f,
    struct adv_decision *d)
{
	if (!public_ok(f, d))
		return;
	if (f->state == ADV_EMBARGOED) {
		set(d, ADV_PUBLISH, p->release_copy_members, true, ADV_PUBLIC,
		    0);
		/* Members who get no copy hear that their date is gone. */
		d->date_notice = !d->to_members;
		d->old_embargo = f->embargo;
		say(d, "released early by Embargo: none (the embargo was %s)",
		    utc(f->embargo).s);
		return;
	}
	set(d, ADV_PUBLISH, p->embargo_none_to_members, true, ADV_PUBLIC, 0);
	say(d, "Embargo: none: published at once, %s",
	    p->embargo_none_to_members ? "and sent to the members" :
	    "not sent to the members (the policy sends advisories without "
	    "an embargo to the public addresses only)");
}

static void
judge_new(const struct policy *p, const struct adv_post *k, time_t now,
    struct adv_decision *d)
{
	set(d, ADV_DELIVER, true, false, ADV_EMBARGOED, k->embargo);
	d->clock_from = now;
	if (extended(p, k, now))
		say(d, "an extended embargo, until %s: over the policy's %u "
		    "days, by Extension:", utc(k->embargo).s,
		    p->embargo_max_days);
}

/* The date after an update, and a note when it moved. */
static void
moved(const struct adv_facts *f, time_t embargo, char *buf, size_t len)
{
	struct when from, to;

	buf[0] = '\0';
	if (embargo == f->embargo)
		return;
	from = utc(f->embargo);
	to = utc(embargo);
	snprintf(buf, len, "the embargo moves from %s to %s", from.s, to.s);
}

/*
 * A new date is never applied in silence: under date-changes = hold it
 * waits for a moderator (d a HOLD), otherwise every member is told.
 */
static bool
date_change_ok(const struct policy *p, const struct adv_facts *f,
    const struct adv_post *k, time_t embargo, struct adv_decision *d)
{
	if (embargo == f->embargo)
		return true;
	if (p->date_changes == POL_DATES_HOLD && !k->approved) {
		hold(f, d);
		say(d, "revision %ld would move the embargo from %s to %s: the "
		    "list's policy (date-changes = hold) keeps %s, the date the "
		    "members hold, until a moderator approves the move",
		    k->revision, utc(f->embargo).s, utc(embargo).s,
		    utc(f->embargo).s);
		return false;
	}
	d->date_notice = true;
	d->old_embargo = f->embargo;
	return true;
}

/* A revision during the embargo: the policy's `updates`. */
static void
judge_update(const struct policy *p, const struct adv_facts *f,
    const struct adv_post *k, time_t embargo, struct adv_decision *d)
{
	const char *sep;
	char mv[120];

	moved(f, embargo, mv, sizeof(mv));
	sep = mv[0] != '\0' ? "; " : "";
	if (p->updates == POL_UPDATES_DELIVER) {
		set(d, ADV_DELIVER, true, false, ADV_EMBARGOED, embargo);
		say(d, "%s", mv);
	} else if (p->updates == POL_UPDATES_ON_REQUEST && k->resend) {
		set(d, ADV_DELIVER, true, false, ADV_EMBARGOED, embargo);
		say(d, "re-sent on request (Resend: yes)%s%s", sep, mv);
	} else if (p->updates == POL_UPDATES_ON_REQUEST) {
		set(d, ADV_SUPPRESS, false, false, ADV_EMBARGOED, embargo);
		say(d, "revision %ld of this advisory was recorded but not "
		    "re-sent: to send it to the members, post it as revision "
		    "%ld with Resend: yes%s%s%s", k->revision, k->revision + 1,
		    sep, mv[0] != '\0' ? "; the members were sent a date "
		    "notice: " : "", mv);
	} else {
		set(d, ADV_SUPPRESS, false, false, ADV_EMBARGOED, embargo);
		say(d, "revision %ld of this advisory was recorded but not "
		    "re-sent: the list's policy suppresses updates during the "
		    "embargo; %s%s", k->revision, mv[0] != '\0' ? "the members "
		    "were sent a date notice: " : "it will be published at the "
		    "release", mv);
	}
}

/* The clock and the CVE reminder of an embargoed advisory afterwards. */
static void
after(const struct policy *p, const struct adv_facts *f,
    const struct adv_post *k, time_t now, struct adv_decision *d)
{
	if (d->action == ADV_HOLD || d->state != ADV_EMBARGOED)
		return;
	if (f->state == ADV_EMBARGOED) {
		d->restarted = k->restart && p->restarts;
		d->clock_from = d->restarted || f->clock_from == 0 ? now :
		    f->clock_from;
	}
	if (p->require_cve == POL_CVE_BEFORE_RELEASE && !f->has_cve &&
	    !k->has_cve)
		d->cve_remind_at = d->embargo - (time_t)p->cve_reminder_secs;
}

void
adv_judge(const struct policy *p, const struct adv_facts *f,
    const struct adv_post *k, time_t now, struct adv_decision *out)
{
	time_t embargo;

	memset(out, 0, sizeof(*out));
	if (!revision_grows(f, k, out) || !cve_ok(p, f, k, out) ||
	    !restart_ok(p, f, k, out))
		return;
	if (f->state == ADV_PUBLIC) {
		judge_public(p, f, k, out);
		return;
	}
	if (k->embargo_none) {
		judge_none(p, f, out);
		return;
	}
	if (!k->embargo_set && f->state != ADV_EMBARGOED) {
		hold(f, out);
		say(out, "this advisory has no Embargo: give a date "
		    "(YYYY-MM-DD HH:MM UTC) or none");
		return;
	}
	if (k->embargo_set && !date_ok(p, f, k, now, out))
		return;
	if (f->state != ADV_EMBARGOED)
		judge_new(p, k, now, out);
	else {
		embargo = k->embargo_set ? k->embargo : f->embargo;
		if (!date_change_ok(p, f, k, embargo, out))
			return;
		judge_update(p, f, k, embargo, out);
	}
	after(p, f, k, now, out);
}

bool
adv_release_due(const struct adv_facts *f, time_t now)
{
	/* Never before the last date the members were sent. */
	return f->state == ADV_EMBARGOED && f->embargo <= now &&
	    f->members_embargo <= now;
}

void
adv_release(const struct policy *p, const struct adv_facts *f, time_t now,
    struct adv_decision *out)
{
	memset(out, 0, sizeof(*out));
	if (f->no_public) {
		hold(f, out);
		say(out, "the list has no public address: set one with listctl "
		    "list set LIST --public ADDRESS");
		return;
	}
	set(out, ADV_PUBLISH, p->release_copy_members, true, ADV_PUBLIC, 0);
	if (now < f->embargo && !out->to_members) {
		out->date_notice = true;
		out->old_embargo = f->embargo;
	}
}
