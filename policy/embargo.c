/*
 * policy/embargo.c: the advisory lifecycle (see embargo.h).
 *
 * Pure: no I/O, no globals, `now` comes from the caller.  The order of the
 * rules in adv_judge(): the revision must grow; a public advisory stays
 * public; "Embargo: none" publishes at once; otherwise the embargo (the new
 * date, checked against the policy's limits counted from now, or the kept
 * one) decides, and an update during the embargo follows `updates`.
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

/* "20 days", or "more than 14 days" when it is not a whole number. */
static void
days_ahead(uintmax_t secs, char *buf, size_t len)
{
	snprintf(buf, len, "%s%ju days", secs % DAY != 0 ? "more than " : "",
	    secs / DAY);
}

/*
 * Whether the date k->embargo is in the future and within the policy's
 * limits, counted from now; if not, d is a HOLD saying why.
 */
static bool
date_ok(const struct policy *p, const struct adv_facts *f,
    const struct adv_post *k, time_t now, struct adv_decision *d)
{
	uintmax_t ahead;
	char n[48];

	if (k->embargo <= now) {
		hold(f, d);
		say(d, "the embargo %s is past: give a date after %s, at most "
		    "%u days ahead", utc(k->embargo).s, utc(now).s,
		    p->embargo_max_days);
		return false;
	}
	/* Unsigned: the true difference is positive and fits. */
	ahead = (uintmax_t)k->embargo - (uintmax_t)now;
	if (ahead <= (uintmax_t)p->embargo_max_days * DAY)
		return true;
	days_ahead(ahead, n, sizeof(n));
	if (ahead <= (uintmax_t)p->embargo_max_extended_days * DAY) {
		if (k->extension)
			return true;
		hold(f, d);
		say(d, "an embargo %s ahead (%s) is over the policy's %u: give "
		    "Extension: <reason> for up to %u days, or an earlier "
		    "date", n, utc(k->embargo).s, p->embargo_max_days,
		    p->embargo_max_extended_days);
		return false;
	}
	hold(f, d);
	say(d, "an embargo %s ahead (%s) is over the policy's longest, %u "
	    "days even with Extension: give an earlier date",
	    n, utc(k->embargo).s, p->embargo_max_extended_days);
	return false;
}

/* Whether the accepted date needed the extension (for the remark). */
static bool
extended(const struct policy *p, const struct adv_post *k, time_t now)
{
	return (uintmax_t)k->embargo - (uintmax_t)now >
	    (uintmax_t)p->embargo_max_days * DAY;
}

/* After release every revision is published; a date is moot. */
static void
judge_public(const struct policy *p, const struct adv_post *k,
    struct adv_decision *d)
{
	set(d, ADV_PUBLISH, p->release_copy_members, true, ADV_PUBLIC, 0);
	if (k->embargo_set && !k->embargo_none)
		say(d, "this advisory is already public: the Embargo: %s "
		    "on this revision is ignored", utc(k->embargo).s);
}

static void
judge_none(const struct policy *p, const struct adv_facts *f,
    struct adv_decision *d)
{
	if (f->state == ADV_EMBARGOED) {
		set(d, ADV_PUBLISH, p->release_copy_members, true, ADV_PUBLIC,
		    0);
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
		    "%ld with Resend: yes%s%s", k->revision, k->revision + 1,
		    sep, mv);
	} else {
		set(d, ADV_SUPPRESS, false, false, ADV_EMBARGOED, embargo);
		say(d, "revision %ld of this advisory was recorded but not "
		    "re-sent: the list's policy suppresses updates during the "
		    "embargo; %s%s", k->revision, mv[0] != '\0' ? "members "
		    "were not told that " : "it will be published at the "
		    "release", mv);
	}
}

void
adv_judge(const struct policy *p, const struct adv_facts *f,
    const struct adv_post *k, time_t now, struct adv_decision *out)
{
	time_t embargo;

	memset(out, 0, sizeof(*out));
	if (!revision_grows(f, k, out))
		return;
	if (f->state == ADV_PUBLIC) {
		judge_public(p, k, out);
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
	if (f->state != ADV_EMBARGOED) {
		judge_new(p, k, now, out);
		return;
	}
	embargo = k->embargo_set ? k->embargo : f->embargo;
	judge_update(p, f, k, embargo, out);
}

bool
adv_release_due(const struct adv_facts *f, time_t now)
{
	return f->state == ADV_EMBARGOED && f->embargo <= now;
}

void
adv_release(const struct policy *p, struct adv_decision *out)
{
	memset(out, 0, sizeof(*out));
	set(out, ADV_PUBLISH, p->release_copy_members, true, ADV_PUBLIC, 0);
}
