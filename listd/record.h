/*
 * listd/record.h: the typed records on the store.  The only module that
 * knows their JSON field names and the strings of their kinds, states and
 * reasons; the rest of listd works with the structs below.
 *
 * A post is anything the list sends: a member's message that was decided,
 * a held message a moderator approved, an advisory's release, the list's
 * own notices.  Its life (doc/lifecycle.md draws it):
 *
 *	(inbox) --decide--> HELD ......... STORE_HELD: approve makes a new
 *	    |                              APPROVED post; reject, expiry: gone
 *	    +--> DECIDED --prepare--> ENCRYPTED --deliver--> DONE
 *	    |        |                    ^
 *	    |        +--prepare--> FAILED |  (nothing could be sent; said why)
 *	    |                             |
 *	    +--> NOTIFY --prepare--> TOLD | (a notice was queued for it)
 *	    |           \--------> SUPPRESSED (a revision recorded, not sent)
 *	    +--> WAITING_KEY --the reporter's key--> DECIDED
 *	    (notices are born ENCRYPTED; a release with nobody to send to DONE;
 *	    a date notice or CVE reminder is born DECIDED, with its text)
 *
 * A delivery job is one copy of a post for one address:
 *
 *	NEW --prepare--> READY --deliver--> SENT (in the ledger; pruned once
 *	  \                |  ^                   its post is DONE)
 *	   \               v  |                     |  a report of failure
 *	    \--> SKIPPED   RETRY --> FAILED         v  (bounce.c)
 *	                              (a refusal,  BOUNCED
 *	                         or too many attempts)
 *	(queue retry: FAILED, BOUNCED --> READY, or NEW when the post is done)
 *
 * Ownership: every string field of a struct post is a malloc'd string owned
 * by the struct, never NULL after post_init() or a read ("" when absent);
 * set them with rec_set().  post_clear() frees them.
 */
#ifndef PDLIST_RECORD_H
#define PDLIST_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "common/util.h"
#include "listd/store.h"
#include "policy/keywords.h"
#include "policy/policy.h"

#define POST_ID_MAX	96	/* post ids: "held-notice-20261122T...", NUL */

enum post_kind {
	POST_MESSAGE,		/* a message from the inbox, decided */
	POST_APPROVED,		/* a held message a moderator approved */
	POST_RELEASE,		/* an advisory's current revision at release */
	POST_BACKFILL,		/* the same, to a member added mid-embargo */
	POST_REPORTER_COPY,	/* the team's reply, copied to its reporter */
	POST_NOTICE,		/* the list's words, encrypted to its people */
	POST_HELD_NOTICE,	/* becomes a notice to the moderators */
	POST_HELD_REVISION,	/* becomes a notice to a held revision's poster */
	POST_AUTO_REPLY,	/* RFC 3834, signed in clear */
	POST_REJECT_NOTICE,	/* a moderator's reason, signed in clear */
	POST_DATE_NOTICE,	/* an advisory's new date, to every member */
	POST_CVE_REMINDER,	/* an advisory without a CVE, to the team */
	POST_OWNER_MAIL,	/* mail to LIST-owner@, on to the admins */
	POST_NKINDS
};

enum post_state {
	POST_HELD,		/* in STORE_HELD, waiting for a moderator */
	POST_DECIDED,		/* its jobs are made: to be encrypted */
	POST_NOTIFY,		/* a notice is to be written for it */
	POST_WAITING_KEY,	/* a reporter's copy waits for the key */
	POST_ENCRYPTED,		/* its copies are being delivered */
	POST_FAILED,		/* nothing could be sent: "failure" says why */
	POST_TOLD,		/* the notice it stood for is queued */
	POST_SUPPRESSED,	/* recorded, not sent; the poster is told */
	POST_DONE,		/* every copy sent, failed or skipped */
	POST_NSTATES
};

/*
 * Why a message is held, graver first: where a message has several, the
 * gravest is kept (hold_graver()).  HOLD_NONE is no reason.
 */
enum hold_reason {
	HOLD_LOOP,		/* the list's own mail came back */
	HOLD_BAD_SIGNATURE,
	HOLD_KEY_REVOKED,
	HOLD_KEY_EXPIRED,
	HOLD_SUSPENDED,
	HOLD_NOT_TEAM,
	HOLD_NON_MEMBER,
	HOLD_LIMITS,		/* over the MIME or nesting limits */
	HOLD_MALFORMED,
	HOLD_CANNOT_DECRYPT,
	HOLD_CANNOT_PROCESS,	/* gpg or the store failed on it, every try */
	HOLD_UNSIGNED,
	HOLD_UNSIGNED_PARTS,	/* parts beside the signed ones, unsigned */
	HOLD_KEYWORDS,		/* a malformed advisory keyword block */
	HOLD_REPLAY,		/* a signature or Message-ID seen before */
	HOLD_STALE,		/* signed longer ago than the policy allows */
	HOLD_ADVISORY,		/* a revision the embargo rules hold */
	HOLD_REQUEST,		/* mail to LIST-request@, for the moderators */
	HOLD_BOUNCE,		/* mail to LIST-bounces@, kept for the admins */
	HOLD_OWNER,		/* mail to LIST-owner@, and no admin */
	HOLD_NONE
};

enum job_state {
	JOB_NEW,		/* made with its post's decision */
	JOB_READY,		/* encrypted for: to be sent */
	JOB_RETRY,		/* a temporary failure: next_attempt */
	JOB_SENT,		/* accepted by the relay, in the ledger */
	JOB_FAILED,		/* refused, or given up on */
	JOB_SKIPPED,		/* the member's key could not be used */
	JOB_BOUNCED,		/* accepted, then reported failed (bounce.c) */
	JOB_NSTATES
};

/*
 * Which of a list's own addresses a message was sent to (route.h): the
 * list itself (posts), LOCAL-bounces[+TOKEN]@, LOCAL-owner@,
 * LOCAL-request@.  Stable names, in the inbox record and the audit log.
 */
enum rcpt_kind {
	RCPT_POST,
	RCPT_BOUNCES,
	RCPT_OWNER,
	RCPT_REQUEST,
	RCPT_NKINDS
};
#define RCPT_TOKEN_MAX	48	/* a VERP token with its NUL */

const char *rcpt_kind_name(enum rcpt_kind);
int	rcpt_kind_parse(const char *s, enum rcpt_kind *);
const char *post_kind_name(enum post_kind);
const char *post_state_name(enum post_state);
const char *hold_reason_name(enum hold_reason);
const char *job_state_name(enum job_state);
/* The enum named s; 0, or -1 when s names none. */
int	post_kind_parse(const char *s, enum post_kind *);
int	post_state_parse(const char *s, enum post_state *);
int	hold_reason_parse(const char *s, enum hold_reason *);
int	job_state_parse(const char *s, enum job_state *);

/* Whether reason a is graver than b (HOLD_NONE is graver than nothing). */
bool	hold_graver(enum hold_reason a, enum hold_reason b);

struct inbox_entry;

struct post {
	char		*id;
	char		*list;
	enum post_kind	 kind;
	enum post_state	 state;
	time_t		 decided_at;

	/* the message it came from (MESSAGE; HELD) */
	char		*sender;	/* the envelope sender, as given */
	char		*via;		/* "lmtp", "inject" */
	long long	 size;
	long long	 received;
	char		*from;		/* the From: address, unverified */
	char		*message_id, *in_reply_to, *references;
	char		*subject;	/* in clear: posts only */
	char		*subject_sealed;	/* sealed to the list's key */
	char		*subject_from;	/* "signed" headers or as "received" */
	char		*form;		/* "pgp-mime-signed", ... */
	bool		 may_auto_reply;
	char		*signer;	/* fingerprint */
	char		*signer_address;

	/* held */
	enum hold_reason reason;	/* HOLD_NONE for a post */
	char		*reason_text;

	/* distribution */
	bool		 has_keywords;
	struct keywords	 kw;
	char		*advisory_action;	/* adv_action_name() */
	char		*advisory_reason;
	long		 jobs;		/* copies to members; -1: not to them */
	long		 public_copies;	/* -1: none made */
	char		*reporter_copy_to, *reporter_copy_how;
	char		*accepted_as;	/* a reporter's follow-up: why */
	enum hold_reason held_for;	/* what it was held for, or HOLD_NONE */
	bool		 moderated;	/* unsigned content may go */
	char		*approved_by;
	time_t		 approved_at;
	char		*reporter;	/* APPROVED: whose thread it starts;
					   REPORTER_COPY: to whom */
	char		*source;	/* the post whose content it sends */
	char		*text;		/* notices: the list's own words */

	/* fan-out */
	long		 skipped, sent, failed;	/* -1: not counted yet */
	char		*failure;
	char		*micalg;	/* the public copy's signature */
};

/* An empty post (every string ""), of kind and state. */
void	post_init(struct post *, enum post_kind, enum post_state);
/* A post of kind MESSAGE for the inbox entry in: what intake knew. */
int	post_from_inbox(struct post *, const struct inbox_entry *in);
void	post_clear(struct post *);
/* Replaces *field with a copy of s (NULL: ""); -1 when out of memory. */
int	rec_set(char **field, const char *s);

/*
 * The post (or, with held, the held message) id of list, into *p (which
 * the caller clears).  *found false and *p empty when there is none.
 */
int	post_get(struct store_txn *, bool held, const char *list,
	    const char *id, struct post *p, bool *found, struct pd_err *err);
/* Writes p where its state says (POST_HELD: STORE_HELD). */
int	post_put(struct store_txn *, const struct post *p, bool exclusive,
	    struct pd_err *err);
/* Deletes a post or held message; a missing one is PD_REFUSED. */
int	post_del(struct store_txn *, bool held, const char *list,
	    const char *id, struct pd_err *err);

/* Every post (or held message) of list ("": of every list), in key order. */
struct post_set {
	struct post	*v;
	size_t		 n, cap;
};
int	post_collect(struct store_txn *, bool held, const char *list,
	    struct post_set *out, struct pd_err *err);
void	post_set_free(struct post_set *);

/* A post as JSON, for listctl's output (a new reference, or NULL). */
json_t	*post_json(const struct post *);
/* Its keywords as JSON, for an audit entry's detail (or NULL). */
json_t	*post_keywords_json(const struct post *);

struct job {
	char		 list[ADDR_MAX + 1];
	char		 post[POST_ID_MAX];
	char		 member[ADDR_MAX + 1];	/* the address it goes to */
	enum job_state	 state;
	bool		 public;	/* signed in clear, not encrypted */
	char		 keyid[17];	/* the subkey its copy is cut for */
	int		 attempts;
	time_t		 next_attempt;
	time_t		 last_attempt;	/* 0: none yet */
	char		 last_reply[300];
	char		 advisory[64];	/* "": none */
	long		 revision;
	long long	 refused_us;	/* FAILED: when the relay refused the
					   address for good (5xx to RCPT), in
					   microseconds since the epoch; 0: it
					   did not */
};

/* A new job of post for address, carrying kw's advisory (kw may be NULL). */
void	job_init(struct job *, const char *list, const char *post,
	    const char *address, bool public, const struct keywords *kw);
int	job_put(struct store_txn *, const struct job *, bool exclusive,
	    struct pd_err *err);
int	job_del(struct store_txn *, const struct job *, struct pd_err *err);
/* The job of post to member on list, into *j; *found false when none. */
int	job_get(struct store_txn *, const char *list, const char *post,
	    const char *member, struct job *j, bool *found, struct pd_err *err);

/* The jobs of post on list; with post NULL, of list; with list NULL, all. */
struct job_set {
	struct job	*v;
	size_t		 n, cap;
};
int	job_collect(struct store_txn *, const char *list, const char *post,
	    struct job_set *out, struct pd_err *err);
void	job_set_free(struct job_set *);

/*
 * The same jobs, those want takes (want NULL: all), a chunk at a time,
 * each chunk read in a transaction of the caller's: memory for one chunk,
 * whatever the number of jobs.  job_walk_next() puts the next max of them
 * into *out (emptied first, its memory kept); none at the end.  want may
 * count what it reads and take nothing.
 */
struct job_walk {
	char		 prefix[STORE_KEY_MAX];
	char		 after[STORE_KEY_MAX];	/* the last key read, or "" */
	bool		 end;
	bool		(*want)(const struct job *, void *);
	void		*arg;
};
void	job_walk_init(struct job_walk *, const char *list, const char *post,
	    bool (*want)(const struct job *, void *), void *arg);
int	job_walk_next(struct store_txn *, struct job_walk *, size_t max,
	    struct job_set *out, struct pd_err *err);
/* Appends a copy of j; -1 when out of memory. */
int	job_set_add(struct job_set *, const struct job *j);
json_t	*job_json(const struct job *);

/*
 * The ledger: a copy the relay accepted, recorded with its job's end.  A
 * copy sent again after it bounced replaces its record, which keeps the
 * earlier ones ("earlier").
 */
int	ledger_put(struct store_txn *, const struct job *, const char *reply,
	    struct pd_err *err);
/* Whether the copy is in the ledger and did not bounce since. */
int	ledger_has(struct store_txn *, const struct job *, bool *has,
	    struct pd_err *err);

/* A copy in the ledger, as bounce.c and verp.c read it. */
struct ledger_entry {
	char		 list[ADDR_MAX + 1];
	char		 post[POST_ID_MAX];
	char		 member[ADDR_MAX + 1];
	time_t		 time;		/* accepted */
	long long	 time_us;	/* the same, in microseconds: the order
					   copies were accepted in */
	char		 advisory[64];	/* "": none */
	long		 revision;
	bool		 public;
	bool		 bounced;	/* a report of failure came */
	bool		 refused;	/* no copy in the ledger: its job, the
					   relay refused the address (time,
					   time_us: when; member_copies()) */
};
struct ledger_set {
	struct ledger_entry *v;
	size_t		 n, cap;
};
void	ledger_set_free(struct ledger_set *);
/* The copy of post to member on list in the ledger, into *e; *found. */
int	ledger_get(struct store_txn *, const char *list, const char *post,
	    const char *member, struct ledger_entry *e, bool *found,
	    struct pd_err *err);

/*
 * Calls fn with each id under a list's records, in key order, reading
 * the keys only; a non-zero return of fn ends it and is returned (-1: fn
 * set err).  post_each_id(): the ids of list's posts (STORE_POSTS);
 * ledger_each_member(): the members the ledger holds a copy of list's
 * post for.
 */
typedef int (*rec_id_fn)(const char *id, void *arg);
int	post_each_id(struct store_txn *, const char *list, rec_id_fn fn,
	    void *arg, struct pd_err *err);
int	ledger_each_member(struct store_txn *, const char *list,
	    const char *post, rec_id_fn fn, void *arg, struct pd_err *err);

/*
 * What became of member's copies of list's posts, in *out in no order:
 * per post, its copy in the ledger (accepted; bounced since, or not) or,
 * where its job was refused later (refused_us), that (refused).  Reads
 * member's records only, post by post (post_each_id()), never the whole
 * ledger.
 */
int	member_copies(struct store_txn *, const char *list, const char *member,
	    struct ledger_set *out, struct pd_err *err);
/*
 * Adds report (borrowed: time, status, diagnostic...) to the copy e in the
 * ledger: as its "bounce" when bounced, else to its "reports".
 */
int	ledger_report(struct store_txn *, const struct ledger_entry *e,
	    bool bounced, const json_t *report, struct pd_err *err);
/*
 * The copies of advisories the ledger holds for member of list: for each
 * of the n advisory ids, revision[i] is the highest revision of it that
 * member was sent (0: none).  member_copies(), not a scan of the ledger.
 */
int	ledger_revisions(struct store_txn *, const char *list,
	    const char *member, const char *const *advisory, long *revision,
	    size_t n, struct pd_err *err);

/*
 * Every copy of an advisory of list, for the team's report: the ledger's
 * (state "accepted", or what became of it later, e.g. "bounced") and the
 * jobs not sent (their job state: new, ready, retry, failed, skipped), as
 * [{advisory, revision, member, post, state, time, reply, public?}] in a
 * new *out.  (record_report.c)
 */
int	copies_collect(struct store_txn *, const char *list, json_t **out,
	    struct pd_err *err);

/* A message taken in and not yet processed (STORE_INBOX). */
struct inbox_entry {
	char		 id[32];
	char		 list[ADDR_MAX + 1];
	char		 sender[ADDR_MAX + 1];	/* the envelope sender */
	char		 via[16];		/* "lmtp", "inject" */
	enum rcpt_kind	 to;			/* which of the list's addresses */
	char		 token[RCPT_TOKEN_MAX];	/* RCPT_BOUNCES: the VERP token
						   or "" */
	long long	 received;
	long long	 size;
	/* temporary failures while processing it (process.c) */
	int		 attempts;
	long long	 next_attempt;	/* not before */
	char		 last_error[256];
};
/* Adds (exclusive) or updates an inbox entry. */
int	inbox_put(struct store_txn *, const struct inbox_entry *, bool exclusive,
	    struct pd_err *err);
struct inbox_set {
	struct inbox_entry *v;
	size_t		 n, cap;
};
/* Every message in the inbox, oldest first. */
int	inbox_collect(struct store_txn *, struct inbox_set *out,
	    struct pd_err *err);
void	inbox_set_free(struct inbox_set *);

/*
 * What listd needs of a member record: admin (admin_member.c) writes the
 * rest (credentials, evidence, who added it).
 */
struct member {
	char		 list[ADDR_MAX + 1];
	char		 address[ADDR_MAX + 1];
	char		 fingerprint[41];
	enum pol_role	 role;
	bool		 active;
	time_t		 state_changed;	/* last suspended or resumed; 0 */
};
int	member_get(struct store_txn *, const char *list, const char *address,
	    struct member *m, bool *found, struct pd_err *err);
struct member_set {
	struct member	*v;
	size_t		 n, cap;
};
/*
 * fn with every member of list, in address order, in t, until it returns
 * non-zero: 0, -1 for store trouble (err), or fn's non-zero.  fn may
 * write other tables in t.
 */
int	member_each(struct store_txn *, const char *list,
	    int (*fn)(const struct member *, void *), void *arg,
	    struct pd_err *err);
/* Every member of list, in address order. */
int	member_collect(struct store_txn *, const char *list,
	    struct member_set *out, struct pd_err *err);
/* The member of s with address, or NULL. */
const struct member *member_find(const struct member_set *s,
	    const char *address);
void	member_set_free(struct member_set *);
/*
 * Suspends the active member address of list, by listd, for why; *changed
 * false when it is no active member.
 */
int	member_suspend(struct store_txn *, const char *list, const char *address,
	    const char *why, bool *changed, struct pd_err *err);

/*
 * What the list has seen before (STORE_SEEN): a deciding signature (a
 * replay is held), the last auto-reply to a sender.  what names it; post is
 * the post that carried it ("" for none).
 */
int	seen_get(struct store_txn *, const char *list, const char *what,
	    char post[POST_ID_MAX], time_t *at, bool *found, struct pd_err *err);
int	seen_put(struct store_txn *, const char *list, const char *what,
	    const char *post, time_t at, struct pd_err *err);

/*
 * An audit entry.  detail (may be NULL) is borrowed: free-form facts for
 * the record.  time 0 is now.
 */
struct audit {
	time_t		 time;
	const char	*list;
	const char	*actor;		/* "listd", or who ran listctl */
	const char	*unix_user;	/* "" for listd */
	const char	*action;	/* "post hold", "member add", ... */
	const char	*subject;	/* what it is about: an id, an address */
	const char	*outcome;
	const char	*reason;	/* or NULL */
	const json_t	*detail;	/* or NULL */
};
/* Appends e to the audit log in t: the one way an entry is written. */
int	audit_append(struct store_txn *, const struct audit *e,
	    struct pd_err *err);

/*
 * At most one audit entry of a kind (what) on list in window seconds, for
 * what anyone may cause at will (a forged return address): *due when
 * none was written in the last window, and then *left_out says how many
 * were left out since the one before, written at *since (0: none); when
 * not due, this one is counted as left out.  Kept in STORE_SEEN, in t.
 */
int	audit_limit(struct store_txn *, const char *list, const char *what,
	    time_t window, bool *due, long long *left_out, time_t *since,
	    struct pd_err *err);

/*
 * The audit entries of list, oldest first, as JSON (listctl's output);
 * with advisory, only those about it, followed by the ledger's copies of
 * it as entries of their own.
 */
int	audit_collect(struct store_txn *, const char *list, const char *advisory,
	    json_t *out, struct pd_err *err);

#endif
