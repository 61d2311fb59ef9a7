/* listd/request.c: see request.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "keys/keys.h"
#include "listd/admin.h"
#include "listd/auth.h"
#include "listd/command.h"
#include "listd/msg.h"
#include "listd/notice.h"
#include "listd/own.h"
#include "listd/process.h"
#include "listd/request.h"

#define REQ_MAX_LINES	32	/* commands in one mail */
#define REQ_FUTURE	3600	/* clocks differ: a signature made later */

/* One mail to LIST-request@ as it is worked on. */
struct req {
	struct list	*l;
	const struct inbox_entry *in;
	struct auth	 a;
	char		*raw;
	size_t		 raw_len;
	/* the signer: a good signature by an active member's key */
	char		 address[ADDR_MAX + 1], fpr[41];
	enum pol_role	 role;
	time_t		 signed_at;
	char		 sig[160];	/* as process.c's replays name it */
	/* the commands */
	char		**lines[REQ_MAX_LINES];	/* command_split() words */
	struct cmd_call	 calls[REQ_MAX_LINES];
	char		*echo[REQ_MAX_LINES];	/* each line as written */
	int		 n, ran;	/* lines, lines run */
	char		 named[ADDR_MAX + 1];	/* the List: line's */
	char		*key;		/* the attached key (member add) */
	size_t		 key_len;
	char		 keyfile[1200];
	/* the reply */
	char		*out;
	size_t		 out_len;
	FILE		*f;
};

/* ---- who sent it ---------------------------------------------------------- */

/*
 * The signer, or why the mail has none the list can answer (*why): no
 * good signature, a bad one beside it, a key that is no active member's.
 */
static int
find_signer(struct req *r, char *why, size_t wlen, struct pd_err *err)
{
	struct signer s[KEYS_MAX_SIGS];
	size_t i;

	if (r->a.hold != HOLD_NONE) {
		snprintf(why, wlen, "%s", r->a.hold_text);
		return 0;
	}
	if (r->a.loop_header) {
		snprintf(why, wlen, "X-Loop names this list: its own mail came "
		    "back");
		return 0;
	}
	if (r->a.sigs.n == 0) {
		snprintf(why, wlen, "a command by mail must be signed by an "
		    "active member's key: this mail is not signed (%s)",
		    r->a.form);
		return 0;
	}
	if (process_signers(r->l, &r->a, s, err) == -1)
		return -1;
	for (i = 0; i < r->a.sigs.n && i < KEYS_MAX_SIGS; i++) {
		if (r->a.sigs.sig[i].state != KEYS_SIG_GOOD ||
		    strcmp(r->a.sigs.sig[i].fpr, r->l->fpr) == 0) {
			snprintf(why, wlen, "signature %zu by key %s is not a "
			    "good signature by a member's key: nothing is run",
			    i + 1, r->a.sigs.sig[i].fpr);
			r->address[0] = '\0';
			return 0;
		}
		if (!s[i].member || !s[i].active) {
			snprintf(why, wlen, "signed by key %s, which is no "
			    "active member's", r->a.sigs.sig[i].fpr);
			r->address[0] = '\0';
			return 0;
		}
		if (r->address[0] == '\0') {
			snprintf(r->address, sizeof r->address, "%s",
			    s[i].address);
			snprintf(r->fpr, sizeof r->fpr, "%s",
			    r->a.sigs.sig[i].fpr);
			r->role = s[i].role;
			r->signed_at = r->a.sigs.sig[i].created;
			snprintf(r->sig, sizeof r->sig, "%s.%lld.%s", r->fpr,
			    (long long)r->signed_at, r->a.sigs.sig[i].id);
		}
	}
	if (r->sig[0] != '\0' && r->sig[strlen(r->sig) - 1] == '.') {
		char tid[KEYS_SIG_ID_MAX + 24];

		sig_text_id(r->a.text, r->a.text_len, tid, sizeof tid);
		strncat(r->sig, tid, sizeof r->sig - strlen(r->sig) - 1);
	}
	return 0;
}

/* ---- what it asks ----------------------------------------------------------- */

/* The attached key (application/pgp-keys, in the signed content). */
static int
attached_key(struct req *r, struct pd_err *err)
{
	struct msg *m = NULL;
	struct pd_err ignore;
	int rc;

	if (r->a.payload == NULL ||
	    msg_parse(r->a.payload, r->a.payload_len, true, &m, &ignore) != 0) {
		msg_free(m);
		return 0;
	}
	rc = msg_part_bytes(m, "application", "pgp-keys", &r->key, &r->key_len,
	    err);
	msg_free(m);
	return rc;
}

/*
 * Line n of the commands into r->calls[n]; when it is refused, why, and
 * the line with the parser's words in the reply.
 */
static int
parse_line(struct req *r, const char *line, char *why, size_t wlen,
    struct pd_err *err)
{
	struct cmd_call *c = &r->calls[r->n];
	char *said = NULL;
	size_t said_len = 0;
	FILE *f;
	int argc;

	if ((f = open_memstream(&said, &said_len)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (command_split(line, &r->lines[r->n], &argc, err) == -1) {
		if (err->status != PD_REFUSED) {
			fclose(f);
			free(said);
			return -1;
		}
		fprintf(f, "%.500s\n", err->text);
	} else {
		c->o = (struct opts){ .out = f, .err = f, .prog = "",
		    .by_mail = true };
		if (command_parse(argc, r->lines[r->n], r->l->address,
		    BY_ROLE(r->role), c) == 0 && (c->cmd->allowed & O_KEY) &&
		    r->key == NULL)
			fprintf(f, "%s: attach the member's key "
			    "(application/pgp-keys)\n", c->o.name);
		c->o.out = c->o.err = r->f;
	}
	fclose(f);
	if (said_len > 0) {
		snprintf(why, wlen, "line %d (%s) is refused", r->n + 1,
		    r->echo[r->n]);
		fprintf(r->f, "> %s\n%s\n", line, said);
	}
	free(said);
	return 0;
}

/*
 * The lines of the signed text: the List: line into r->named, the commands
 * parsed into r->calls.  A line that does not parse, or that the signer's
 * role may not send, is the refusal (*why, written to r->f already).
 */
static int
parse_lines(struct req *r, char *why, size_t wlen, struct pd_err *err)
{
	char *text, *line, *next, *v;
	int rc = 0;
	size_t len;

	if (r->a.text == NULL)
		return snprintf(why, wlen, "the signed text is empty"), 0;
	if ((text = strndup(r->a.text, r->a.text_len)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	for (line = text; rc == 0 && why[0] == '\0' && line != NULL;
	    line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (strcmp(line, "-- ") == 0 || strcmp(line, "-- \r") == 0)
			break;
		line += strspn(line, " \t");
		len = strlen(line);
		while (len > 0 && strchr(" \t\r", line[len - 1]) != NULL)
			line[--len] = '\0';
		if (len == 0 || line[0] == '>' || line[0] == '#')
			continue;
		if (strncasecmp(line, "List:", 5) == 0) {
			v = line + 5 + strspn(line + 5, " \t");
			if (r->named[0] == '\0' &&
			    addr_normalize(v, r->named, err) == -1)
				snprintf(why, wlen, "List: %.300s is no address",
				    v);
			continue;
		}
		if (r->n == REQ_MAX_LINES) {
			snprintf(why, wlen, "more than %d commands in one mail",
			    REQ_MAX_LINES);
			break;
		}
		if ((r->echo[r->n] = strdup(line)) == NULL) {
			rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
			break;
		}
		rc = parse_line(r, line, why, wlen, err);
		r->n++;
	}
	free(text);
	if (rc == 0 && why[0] == '\0' && r->n == 0)
		snprintf(why, wlen, "no command in the signed text: send help "
		    "for the commands");
	return rc;
}

/* Whether the mail is addressed to this list and fresh; else why not. */
static void
check_mail(struct req *r, time_t now, char *why, size_t wlen)
{
	const struct policy *pol = r->l->pol;

	if (r->named[0] == '\0')
		snprintf(why, wlen, "the signed text names no list: add the line "
		    "List: %s", r->l->address);
	else if (strcmp(r->named, r->l->address) != 0)
		snprintf(why, wlen, "the signed text names list %s, not %s: a "
		    "command for another list is not run here", r->named,
		    r->l->address);
	else if (r->signed_at > now + REQ_FUTURE)
		snprintf(why, wlen, "the signature is dated in the future: check "
		    "your clock, sign again and send it");
	else if (now - r->signed_at > (time_t)pol->max_request_age_secs)
		snprintf(why, wlen, "the signature was made %lld minutes ago, "
		    "longer ago than max-request-age (%lu minutes): sign the "
		    "commands again and send them", (long long)(now -
		    r->signed_at) / 60, pol->max_request_age_secs / 60);
}

/* Remembers the signature; a signature seen before is a replay (*why). */
static int
check_replay(struct req *r, time_t now, char *why, size_t wlen,
    struct pd_err *err)
{
	char post[POST_ID_MAX];
	struct store_txn *t;
	bool found;
	time_t at;
	int rc;

	if (store_begin(r->l->st, true, &t, err) == -1)
		return -1;
	rc = seen_get(t, r->l->address, r->sig, post, &at, &found, err);
	if (rc == 0 && found)
		snprintf(why, wlen, "this signature was seen before (%s): a "
		    "replayed command is not run again", post);
	else if (rc == 0)
		rc = seen_put(t, r->l->address, r->sig, r->in->id, now, err);
	return store_end(t, rc, err);
}

/* ---- doing it ------------------------------------------------------------------ */

/* The attached key in a file of the list's, for member add. */
static int
key_file(struct req *r, struct pd_err *err)
{
	int fd;

	snprintf(r->keyfile, sizeof r->keyfile, "%s/request-key.XXXXXX",
	    r->l->paths.dir);
	if ((fd = mkstemp(r->keyfile)) == -1) {
		r->keyfile[0] = '\0';
		return pd_fail(err, PD_TEMPFAIL, "cannot write the attached key");
	}
	if (write(fd, r->key, r->key_len) != (ssize_t)r->key_len) {
		close(fd);
		return pd_fail(err, PD_TEMPFAIL, "cannot write the attached key");
	}
	close(fd);
	return 0;
}

/* Whether address is a member of list (PD_REFUSED when not). */
static int
member_known(struct admin *a, const char *list, const char *address,
    struct pd_err *err)
{
	char want[ADDR_MAX + 1];
	const json_t *m;
	json_t *ms;
	size_t i;
	bool found = false;

	if (addr_normalize(address, want, err) == -1 ||
	    admin_member_ls(a, list, &ms, err) == -1)
		return -1;
	json_array_foreach(ms, i, m)
		found |= json_string_value(json_object_get(m, "address")) !=
		    NULL && strcmp(json_string_value(json_object_get(m,
		    "address")), want) == 0;
	json_decref(ms);
	return found ? 0 : pd_fail(err, PD_REFUSED, "%s is no member of %s: "
	    "see member ls", want, list);
}

/*
 * What the store tells before anything runs: the held messages and
 * advisories the lines name are there, the members they name are members.
 * A line that names what is not refuses the whole mail (*why).
 */
static int
precheck(const struct conf *conf, struct req *r, const char *actor,
    char *why, size_t wlen, struct pd_err *err)
{
	int (*run)(struct admin *, char **, struct opts *);
	struct pd_err no;
	struct admin *a;
	char **args;
	json_t *j;
	int i, rc;

	if (admin_attach(conf, r->l->st, actor, &a, err) == -1)
		return -1;
	for (i = 0, rc = 0; i < r->n && rc == 0 && why[0] == '\0'; i++) {
		run = r->calls[i].cmd->run;
		args = r->calls[i].args;
		memset(&no, 0, sizeof no);
		j = NULL;
		if (run == run_held_approve || run == run_held_reject ||
		    run == run_held_show)
			rc = admin_held_show(a, args[0], args[1], &j, &no);
		else if (run == run_advisory_release || run == run_advisory_show)
			rc = admin_advisory_show(a, args[0], args[1], &j, &no);
		else if (run == run_member_suspend || run == run_member_resume ||
		    run == run_member_remove)
			rc = member_known(a, args[0], args[1], &no);
		json_decref(j);
		if (rc == -1 && no.status == PD_REFUSED) {
			fprintf(r->f, "> %s\n%s: %s\n\n", r->echo[i],
			    r->calls[i].o.name, no.text);
			snprintf(why, wlen, "line %d (%s) is refused", i + 1,
			    r->echo[i]);
			rc = 0;
		} else if (rc == -1)
			*err = no;
	}
	admin_close(a);
	return rc;
}

/* Runs the commands as the signer; stops at the first that fails. */
static int
run_lines(const struct conf *conf, struct req *r, const char *actor,
    char *why, size_t wlen, struct pd_err *err)
{
	struct cmd_call *c;
	struct admin *a;
	int i;

	if (r->key != NULL && key_file(r, err) == -1)
		return -1;
	if (admin_attach(conf, r->l->st, actor, &a, err) == -1)
		return -1;
	for (i = 0; i < r->n && why[0] == '\0'; i++) {
		c = &r->calls[i];
		if (r->keyfile[0] != '\0')
			c->o.key = r->keyfile;
		fprintf(r->f, "> %s\n", r->echo[i]);
		if (command_exec(a, c) != 0)
			snprintf(why, wlen, "line %d (%s) failed%s", i + 1,
			    r->echo[i], i + 1 < r->n ? ": the lines after it "
			    "were not run" : "");
		else
			r->ran++;
		fprintf(r->f, "\n");
	}
	admin_close(a);
	return 0;
}

/* The message a held show by mail attached (the first), taken. */
static void
take_part(struct req *r, char **part, size_t *len)
{
	int i;

	*part = NULL;
	*len = 0;
	for (i = 0; i < r->n; i++) {
		if (*part == NULL) {
			*part = r->calls[i].o.mail_part;
			*len = r->calls[i].o.mail_part_len;
		} else
			wipe_free(r->calls[i].o.mail_part,
			    r->calls[i].o.mail_part_len);
		r->calls[i].o.mail_part = NULL;
	}
}

/* The audit entry, and the request out of the inbox and the store. */
static int
finish(struct req *r, const char *actor, const char *outcome,
    const char *why, struct pd_err *err)
{
	struct store_txn *t;
	json_t *d, *cmds;
	int i, rc;

	if ((cmds = json_array()) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	for (i = 0; i < r->n; i++)
		json_array_append_new(cmds, json_string(r->echo[i]));
	if ((d = json_pack("{s:s, s:s, s:o}", "signer", r->fpr, "form",
	    r->a.form, "commands", cmds)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	if (store_begin(r->l->st, true, &t, err) == -1) {
		json_decref(d);
		return -1;
	}
	rc = audit_append(t, &(struct audit){ .time = time(NULL), .list =
	    r->l->address, .actor = actor, .action = "request", .subject =
	    r->in->id, .outcome = outcome, .reason = why, .detail = d }, err);
	if (rc == 0)
		rc = store_del(t, STORE_INBOX, r->in->id, err);
	if (rc == 0)
		rc = store_del(t, STORE_MESSAGES, r->in->id, err);
	json_decref(d);
	return store_end(t, rc, err);
}

/*
 * The signer's request: checked, run, answered.  why: the refusal so far
 * ("" when none).
 */
static int
answer(const struct conf *conf, struct req *r, char *why, size_t wlen,
    struct pd_err *err)
{
	char actor[ADDR_MAX + 64], subject[ADDR_MAX + 64], *part;
	time_t now = time(NULL);
	bool ran = false;
	size_t plen;
	int rc = 0;

	snprintf(actor, sizeof actor, "%s(key:%s,by-mail)", r->address,
	    r->fpr);
	fprintf(r->f, "Your request to %s, signed by %s with key %s.\n\n",
	    r->l->address, r->address, r->fpr);
	if (why[0] == '\0' && attached_key(r, err) == -1)
		return -1;
	if (why[0] == '\0' && (rc = parse_lines(r, why, wlen, err)) == -1)
		return -1;
	if (why[0] == '\0')
		check_mail(r, now, why, wlen);
	if (why[0] == '\0' && check_replay(r, now, why, wlen, err) == -1)
		return -1;
	/* The signature is spent now: trouble from here on is answered. */
	if (why[0] == '\0' && (precheck(conf, r, actor, why, wlen, err) == -1 ||
	    (why[0] == '\0' && run_lines(conf, r, actor, why, wlen, err) == -1)))
		snprintf(why, wlen, "temporary trouble on the list server (%.300s): "
		    "sign the commands again and send them later", err->text);
	ran = r->ran > 0;
	if (why[0] == '\0')
		fprintf(r->f, "Done: %d command%s.\n", r->n, r->n == 1 ? "" :
		    "s");
	else
		fprintf(r->f, "%s: %s.\n%s\n", ran ? "Stopped" : "Refused", why,
		    ran ? "The lines before it were run." : "Nothing was run.");
	fflush(r->f);
	take_part(r, &part, &plen);
	snprintf(subject, sizeof subject, "pdlist: your request to %s: %s",
	    r->l->address, why[0] == '\0' ? "done" : ran ? "stopped" :
	    "refused");
	if (notice_send_message(r->l, r->address, false, subject, r->out, part,
	    plen, err) == -1)
		log_warnx("%s: request %s: the reply is not sent: %s",
		    r->l->address, r->in->id, err->text);
	wipe_free(part, plen);
	return finish(r, actor, why[0] == '\0' ? "done" : ran ? "stopped" :
	    "refused", why[0] != '\0' ? why : NULL, err);
}

static void
req_clear(struct req *r)
{
	int i;

	auth_clear(&r->a);
	wipe_free(r->raw, r->raw_len);
	for (i = 0; i < r->n; i++) {
		free(r->lines[i]);
		free(r->echo[i]);
		wipe_free(r->calls[i].o.mail_part,
		    r->calls[i].o.mail_part_len);
	}
	if (r->keyfile[0] != '\0')
		unlink(r->keyfile);
	free(r->key);
	if (r->f != NULL)
		fclose(r->f);
	wipe_free(r->out, r->out_len);
}

int
request_process(const struct conf *conf, struct list *l,
    const struct inbox_entry *in, struct pd_err *err)
{
	struct req *r;
	char why[700] = "";
	int rc = 0;

	if (in->size > (long long)l->pol->max_message_size)
		return own_hold(l, in, HOLD_REQUEST, "a request over the list's "
		    "max-message-size: held, not read", err);
	if ((r = calloc(1, sizeof *r)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	r->l = l;
	r->in = in;
	if ((r->f = open_memstream(&r->out, &r->out_len)) == NULL)
		rc = pd_fail(err, PD_TEMPFAIL, "out of memory");
	else if (own_unseal(l, in->id, &r->raw, &r->raw_len, err) == -1) {
		if (err->status == PD_REFUSED)
			snprintf(why, sizeof why, "%.500s", err->text);
		else
			rc = -1;
	} else if (r->raw == NULL)
		rc = pd_fail(err, PD_FAIL, "request %s is in the inbox but its "
		    "bytes are missing", in->id);
	else if ((rc = auth_message(l->keys, l->address, r->raw, r->raw_len,
	    false, &r->a, err)) == 0)
		rc = find_signer(r, why, sizeof why, err);
	if (rc == 0 && r->address[0] == '\0')
		/* Nobody to answer: the moderators see it. */
		rc = own_hold(l, in, HOLD_REQUEST, why[0] ? why : "no signer",
		    err);
	else if (rc == 0)
		rc = answer(conf, r, why, sizeof why, err);
	req_clear(r);
	free(r);
	return rc;
}
