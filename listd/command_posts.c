/*
 * listd/command_posts.c: the commands about what the lists carry:
 * held mail, advisories, the delivery queue, the audit log, inject.
 */
#include <stdio.h>
#include <time.h>

#include "keys/keys.h"
#include "listd/command.h"

static void
audit_row(FILE *out, const json_t *e)
{
	fprintf(out, "%s %s %s %s %s%s%s\n", s(e, "time"), s(e, "actor"),
	    s(e, "action"), s(e, "subject"), s(e, "outcome"),
	    json_object_get(e, "reason") ? ": " : "",
	    json_object_get(e, "reason") ? s(e, "reason") : "");
}

int
run_audit(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *es;

	if (admin_audit(a, args[0], o->advisory, &es, &err) == -1)
		return failed(o, &err);
	return print_rows(es, o, audit_row);
}

static void
held_row(FILE *out, const json_t *h)
{
	fprintf(out, "%s\t%s\t%s\t%s\n", s(h, "id"), s(h, "reason"), s(h, "from"),
	    s(h, "subject"));
}

int
run_held_ls(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *hs;

	if (admin_held_ls(a, args[0], &hs, &err) == -1)
		return failed(o, &err);
	return print_rows(hs, o, held_row);
}

/*
 * The held message itself: on the command line, as it is; by mail, kept
 * for the reply to carry as message/rfc822 inside its encryption.
 */
static int
held_message(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	char *m;
	size_t len;

	if (admin_held_message(a, args[0], args[1], &m, &len, &err) == -1)
		return failed(o, &err);
	if (!o->by_mail) {
		fwrite(m, 1, len, o->out);
		wipe_free(m, len);
		return 0;
	}
	wipe_free(o->mail_part, o->mail_part_len);
	o->mail_part = m;
	o->mail_part_len = len;
	fprintf(o->out, "held message %s on %s: attached, as it came\n",
	    args[1], args[0]);
	return 0;
}

int
run_held_show(struct admin *a, char **args, struct opts *o)
{
	static const char *const fields[][2] = {
		{ "id", "id" }, { "reason", "reason" },
		{ "reason-text", "why" }, { "sender", "sender" },
		{ "from", "from" }, { "signer", "signer" },
		{ "subject", "subject" }, { "form", "form" },
		{ "message-id", "message-id" }, { "via", "via" },
		{ "decided-at", "held at" },
	};
	struct pd_err err = { 0 };
	json_t *h;
	size_t i;

	if (o->message && !o->by_mail)
		return held_message(a, args, o);
	if (admin_held_show(a, args[0], args[1], &h, &err) == -1)
		return failed(o, &err);
	if (o->json)
		print_json(o, h);
	else {
		for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
			fprintf(o->out, "%-11s %s\n", fields[i][1], s(h, fields[i][0]));
		fprintf(o->out, "%-11s %lld bytes\n", "size", (long long)
		    json_integer_value(json_object_get(h, "size")));
	}
	json_decref(h);
	/* By mail, the moderator reads what it would approve. */
	return o->by_mail ? held_message(a, args, o) : 0;
}

static void
job_row(FILE *out, const json_t *j)
{
	char when[32];

	iso_time((time_t)json_integer_value(json_object_get(j,
	    "next-attempt")), when);
	fprintf(out, "%s\t%s\t%s\t%lld\t%s\t%s\n", s(j, "post"), s(j, "member"),
	    s(j, "state"), (long long)json_integer_value(json_object_get(j,
	    "attempts")), when, s(j, "last-reply"));
}

int
run_queue(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *js;

	if (admin_queue(a, args[0], &js, &err) == -1)
		return failed(o, &err);
	return print_rows(js, o, job_row);
}

int
run_queue_retry(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	const char *post = args[1];	/* optional: NULL when not given */
	size_t n;

	if (admin_queue_retry(a, args[0], post, o->member, &n, &err) == -1)
		return failed(o, &err);
	fprintf(o->out, "%zu cop%s to be sent again\n", n, n == 1 ? "y" :
	    "ies");
	return 0;
}

/* An advisory's CVEs, comma-separated, or "none". */
static void
print_cves(FILE *out, const json_t *v)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(v, "cve"), i, c)
		fprintf(out, "%s%s", i > 0 ? "," : "", json_string_value(c) ?
		    json_string_value(c) : "?");
	if (json_array_size(json_object_get(v, "cve")) == 0)
		fprintf(out, "none");
}

static void
advisory_row(FILE *out, const json_t *v)
{
	fprintf(out, "%s\t%s\trevision %lld\tembargo %s\t%s\tcve ", s(v, "id"),
	    s(v, "state"), (long long)json_integer_value(json_object_get(v,
	    "revision")), s(v, "embargo"), json_object_get(v, "released-at") ?
	    s(v, "released-at") : "");
	print_cves(out, v);
	fprintf(out, "\n");
}

/* The extensions or restarts of advisory v: reason, revision, when. */
static void
print_notes(FILE *out, const json_t *v, const char *name, const char *label)
{
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(v, name), i, r)
		fprintf(out, "%-11s%s (revision %lld, %s)\n", label, s(r, "reason"),
		    (long long)json_integer_value(json_object_get(r,
		    "revision")), s(r, "at"));
}

/* The head of advisory show: state, dates, CVEs, the clock. */
static void
advisory_head(FILE *out, const json_t *v)
{
	fprintf(out, "advisory:  %s\nstate:     %s\nembargo:   %s\ncve:       ",
	    s(v, "id"), s(v, "state"), s(v, "embargo"));
	print_cves(out, v);
	fprintf(out, "\n");
	if (json_object_get(v, "first-sent") != NULL)
		fprintf(out, "sent:      first to the members %s\n",
		    s(v, "first-sent"));
	if (json_object_get(v, "clock-from") != NULL)
		fprintf(out, "clock:     limits count from %s\n", s(v, "clock-from"));
	print_notes(out, v, "extensions", "extension:");
	print_notes(out, v, "restarts", "restart:");
	if (json_object_get(v, "release-waiting") != NULL)
		fprintf(out, "waiting:   since %s: the list has no public address\n",
		    s(v, "release-waiting"));
	if (json_object_get(v, "released-at") != NULL)
		fprintf(out, "released:  %s by %s\n", s(v, "released-at"),
		    s(v, "released-by"));
}

/* One revision of advisory show, and what came with it. */
static void
advisory_revision(FILE *out, const json_t *r)
{
	fprintf(out, "revision %lld  %s  %-8s %s  %s\n", (long long)
	    json_integer_value(json_object_get(r, "revision")), s(r, "at"),
	    s(r, "action"), s(r, "post"), s(r, "reason"));
	if (json_object_get(r, "extension") != NULL)
		fprintf(out, "    extension: %s\n", s(r, "extension"));
	if (json_object_get(r, "restart") != NULL)
		fprintf(out, "    restart:   %s\n", s(r, "restart"));
	if (json_object_get(r, "date-notice") != NULL)
		fprintf(out, "    date notice to the members: the embargo was %s\n",
		    s(r, "date-notice"));
}

int
run_advisory_ls(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *as;

	if (admin_advisory_ls(a, args[0], &as, &err) == -1)
		return failed(o, &err);
	return print_rows(as, o, advisory_row);
}

int
run_advisory_show(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	json_t *v, *r;
	size_t i;

	if (admin_advisory_show(a, args[0], args[1], &v, &err) == -1)
		return failed(o, &err);
	if (o->json)
		print_json(o, v);
	else {
		advisory_head(o->out, v);
		json_array_foreach(json_object_get(v, "revisions"), i, r)
			advisory_revision(o->out, r);
	}
	json_decref(v);
	return 0;
}

int
run_advisory_release(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };

	(void)o;
	if (admin_advisory_release(a, args[0], args[1], &err) == -1)
		return failed(o, &err);
	fprintf(o->out, "released %s on %s: listd sends it out\n", args[1], args[0]);
	return 0;
}

int
run_held_approve(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };

	(void)o;
	if (admin_held_approve(a, args[0], args[1], &err) == -1)
		return failed(o, &err);
	fprintf(o->out, "approved %s on %s: listd sends it to the members\n", args[1],
	    args[0]);
	return 0;
}

int
run_held_reject(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	char told[ADDR_MAX + 1];

	if (admin_held_reject(a, args[0], args[1], o->reason, told,
	    &err) == -1)
		return failed(o, &err);
	fprintf(o->out, "rejected %s on %s", args[1], args[0]);
	if (told[0] != '\0')
		fprintf(o->out, ": %s is told why\n", told);
	else if (o->reason != NULL)
		fprintf(o->out, ": the reason is recorded; nobody is told, the message "
		    "has no sender to tell (a bounce, or the list's own)\n");
	else
		fprintf(o->out, ": nobody is told (no --reason)\n");
	return 0;
}

int
run_inject(struct admin *a, char **args, struct opts *o)
{
	struct pd_err err = { 0 };
	char id[32];
	int too_big;

	if (admin_inject(a, args[0], o->sender, 0, id, &too_big, &err) == 0)
		return 0;
	refused(o, &err);
	if (too_big)
		return EX_DATAERR;
	return err.status == PD_REFUSED ? EX_NOUSER : EX_TEMPFAIL;
}
