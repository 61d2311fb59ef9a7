/*
 * listd/record_report.c: see record.h (copies_collect).  The copies of a
 * list's advisories, from the ledger and the jobs, in one shape for the
 * team's report; the record layer is the one that knows their fields.
 */
#include "listd/record_int.h"

struct copies {
	json_t		*out;
};

/*
 * A ledger entry's state: its own "state" when it has one (a later one
 * than the relay's acceptance, e.g. a bounce), "bounced" when it records
 * a bounce, otherwise "accepted".
 */
static const char *
ledger_state(const json_t *o)
{
	if (jstr(o, "state")[0] != '\0')
		return jstr(o, "state");
	if (json_object_get(o, "bounce") != NULL ||
	    json_object_get(o, "bounced") != NULL)
		return "bounced";
	return "accepted";
}

static int
ledger_copy_of(const char *key, json_t *o, void *arg)
{
	struct copies *c = arg;
	json_t *e;

	(void)key;
	if (jstr(o, "advisory")[0] == '\0')
		return 0;
	e = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s}", "advisory",
	    jstr(o, "advisory"), "revision", (json_int_t)jint(o, "revision", 0),
	    "member", jstr(o, "member"), "post", jstr(o, "post"), "state",
	    ledger_state(o), "time", jstr(o, "time"), "reply", jstr(o,
	    "reply"));
	return e == NULL || json_array_append_new(c->out, e) == -1 ?
	    SCAN_NOMEM : 0;
}

static int
job_copy_of(const struct job *j, json_t *out)
{
	char when[32];
	json_t *e;

	if (j->advisory[0] == '\0' || j->state == JOB_SENT)
		return 0;	/* sent: the ledger has it */
	e = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:b}", "advisory",
	    j->advisory, "revision", (json_int_t)j->revision, "member",
	    j->member, "post", j->post, "state", job_state_name(j->state),
	    "time", iso_time(j->last_attempt ? j->last_attempt :
	    j->next_attempt, when), "reply", j->last_reply, "public",
	    j->public);
	return e == NULL || json_array_append_new(out, e) == -1 ? -1 : 0;
}

int
copies_collect(struct store_txn *t, const char *list, json_t **out,
    struct pd_err *err)
{
	struct copies c = { json_array() };
	char prefix[STORE_KEY_MAX];
	struct job_set jobs;
	size_t i;
	int rc;

	*out = NULL;
	if (c.out == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	snprintf(prefix, sizeof prefix, "%s\x1f", list);
	rc = rec_scan(t, STORE_LEDGER, prefix, ledger_copy_of, &c, err);
	if (rc == 0 && (rc = job_collect(t, list, NULL, &jobs, err)) == 0) {
		for (i = 0; rc == 0 && i < jobs.n; i++)
			if (job_copy_of(&jobs.v[i], c.out) == -1)
				rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
		job_set_free(&jobs);
	}
	if (rc == -1) {
		json_decref(c.out);
		return -1;
	}
	*out = c.out;
	return 0;
}
