/*
 * policy/policy.h: a list's policy and the pure decisions made from it.
 *
 * pol_load() reads a libconfuse profile (policy/xen.conf, policy/libvirt.conf,
 * or an admin's own file) into a struct policy; it is the only function here
 * that does I/O.  Every decision takes `now` as an argument.
 */
#ifndef PDLIST_POLICY_H
#define PDLIST_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/keyfacts.h"

#define POL_MAX_WARN	8	/* key-warn-days: at most this many */

struct pol_strlist {
	char	**v;		/* n strings and a final NULL */
	size_t	  n;
};

enum pol_updates {		/* a new revision during the embargo */
	POL_UPDATES_SUPPRESS,	/* recorded, not sent to members */
	POL_UPDATES_DELIVER,	/* sent again */
	POL_UPDATES_ON_REQUEST	/* sent only with "Resend: yes" */
};

enum pol_followups {		/* a reporter's further mail in its thread */
	POL_FOLLOW_HOLD,	/* held, like any non-member's mail */
	POL_FOLLOW_SIGNED,	/* accepted when signed by the reporter's key */
	POL_FOLLOW_ACCEPT	/* accepted from the reporter's address too */
};

enum pol_member_posts {	/* a member's (not the team's) signed post */
	POL_MEMBERS_HOLD,	/* held; the member is told */
	POL_MEMBERS_TEAM	/* to the team and moderators only; a receipt */
};

enum pol_date_changes {		/* a revision that moves the embargo date */
	POL_DATES_HOLD,		/* held until a moderator approves the move */
	POL_DATES_NOTIFY	/* applied; every member gets a date notice */
};

enum pol_require_cve {		/* a CVE id on an advisory */
	POL_CVE_NEVER,		/* not required */
	POL_CVE_BEFORE_RELEASE,	/* the team is reminded before the date */
	POL_CVE_ALWAYS		/* a revision without one is held */
};

enum pol_action {		/* what becomes of a post that breaks a rule */
	POL_ACT_HOLD,		/* kept for a moderator */
	POL_ACT_REJECT		/* refused at intake (5xx), sender told */
};

struct policy {
	char	*name;		/* the profile's `name` setting */

	/* membership: the vendor criteria, applied to the `member` role */
	struct pol_strlist role_local_parts;	/* security, psirt, ... */
	struct pol_strlist refused_domains;	/* free-mail */
	struct pol_strlist categories;		/* hosting-provider, ... */
	long	 min_installed_base;		/* 0: no minimum */
	bool	 case_by_case;		/* below the minimum with a justification */
	bool	 require_org;
	bool	 require_voucher;	/* vouched for by an active member */
	unsigned min_evidence;		/* http(s) URLs an application carries */
	bool	 require_agreement;	/* --agreed to the list's policy */
	unsigned bounce_suspend;	/* bounced copies in a row that
					   suspend a member; 0: never */

	/* keys: every role */
	struct pol_strlist key_algorithms;	/* "rsa", "ed25519", "cv25519", ... */
	unsigned min_rsa_bits;
	unsigned min_key_validity_days;	/* admission; delivery warns */
	unsigned key_warn_days[POL_MAX_WARN];	/* warnings before expiry,
					   longest first */
	size_t	 nkey_warn_days;
	unsigned key_refresh_days;	/* 0: members' keys not refreshed */

	/* embargo */
	unsigned embargo_max_days;
	unsigned embargo_max_extended_days;
	enum pol_updates updates;
	bool	 backfill_new_members;
	bool	 embargo_none_to_members;	/* Embargo: none: to the
					   members too */
	enum pol_date_changes date_changes;
	bool	 restarts;		/* Restart: <reason> restarts the clock */
	enum pol_require_cve require_cve;
	unsigned long cve_reminder_secs;	/* before-release: how long
					   before the date the team hears */

	/* moderation */
	enum pol_action non_member;
	enum pol_action unsigned_post;
	enum pol_action oversize;
	bool	 auto_reply;
	unsigned long max_message_size;	/* bytes */
	unsigned held_expire_days;	/* held mail goes after this many */
	unsigned max_signature_age_days;	/* a post signed longer ago
					   is stale */
	unsigned long max_request_age_secs;	/* a command mailed to
					   LIST-request@ signed longer ago is
					   refused */
	enum pol_member_posts member_posts;

	/* reporters: the team's replies in a report's thread */
	bool	 reporter_plaintext;	/* to a reporter without a key: signed
					   in clear; false: wait for a key */
	enum pol_followups reporter_followups;

	/* release */
	bool	 release_copy_members;
};

/*
 * Loads the profile at path.  On success returns 0 and sets *out (the caller
 * frees it with pol_free()).  On failure returns -1, leaves *out NULL and
 * writes one line "FILE:LINE: what is wrong" (or "FILE: why" when no line
 * applies) into err; on success err is "".  Nothing is half-loaded.
 */
int	 pol_load(const char *path, struct policy **out, char *err, size_t errlen);
/*
 * The same from text already read (len bytes), so that what is judged is
 * what is kept; name stands for the file in errors.
 */
int	 pol_load_text(const char *name, const char *text, size_t len,
	    struct policy **out, char *err, size_t errlen);
void	 pol_free(struct policy *);

const char *pol_updates_name(enum pol_updates);
const char *pol_action_name(enum pol_action);
const char *pol_followups_name(enum pol_followups);

/*
 * Roles on a list.  Vendor criteria apply to POL_ROLE_MEMBER only.  A
 * reporter gets no list mail: only the team's replies in its report's
 * thread, encrypted to the key the list keeps for it.
 */
enum pol_role {
	POL_ROLE_MEMBER,
	POL_ROLE_TEAM,
	POL_ROLE_MODERATOR,
	POL_ROLE_ADMIN,
	POL_ROLE_REPORTER
};
const char *pol_role_name(enum pol_role);
int	 pol_role_parse(const char *, enum pol_role *);	/* 0 or -1 */

/* What the caller found when it looked the voucher up on the list. */
enum pol_voucher {
	POL_VOUCHER_NONE,	/* no --vouched-by */
	POL_VOUCHER_ACTIVE,	/* an active member of the list */
	POL_VOUCHER_UNKNOWN,	/* not a member of the list */
	POL_VOUCHER_SUSPENDED	/* a member, but suspended */
};

struct pol_candidate {
	const char	 *address;	/* lower-case local@domain */
	enum pol_role	  role;
	const char	 *org;		/* NULL: none given */
	const char	 *category;	/* NULL: none given */
	long		  installed_base;	/* -1: none given */
	const char	 *justification;	/* NULL: none given */
	const char	 *vouched_by;	/* NULL: none given */
	enum pol_voucher  voucher;
	const char *const *evidence;	/* URLs as given */
	size_t		  nevidence;
	bool		  agreed;
	const struct keyfacts *key;	/* NULL: no key */
};

/* One rule per reason, so tests and --json can name the rule that fired. */
enum pol_rule {
	POL_R_LOCAL_PART,	/* not a role address */
	POL_R_DOMAIN,		/* refused (free-mail) domain */
	POL_R_ORG,		/* organisation missing */
	POL_R_CATEGORY,		/* missing or not one of the policy's */
	POL_R_INSTALLED_BASE,	/* below the minimum, no justification */
	POL_R_VOUCHER,		/* missing, unknown or suspended voucher */
	POL_R_EVIDENCE,		/* too few evidence URLs, or not http(s) */
	POL_R_AGREEMENT,	/* not --agreed */
	POL_R_KEY_MISSING,
	POL_R_KEY_REVOKED,
	POL_R_KEY_EXPIRED,
	POL_R_KEY_VALIDITY,	/* expires before the policy's minimum days */
	POL_R_KEY_NO_ENCRYPT,	/* no usable encryption subkey */
	POL_R_KEY_UID,		/* no valid user ID with the address */
	POL_R_KEY_ALGORITHM,	/* algorithm not allowed */
	POL_R_KEY_SIZE		/* RSA below the minimum */
};
const char *pol_rule_name(enum pol_rule);	/* "local-part", "key-size"... */

#define POL_MAX_REASONS	16

struct pol_verdict {
	bool	 allow;
	int	 enc_subkey;	/* index into key->sub of the encryption subkey
				   gpg would use; -1 when there is none */
	size_t	 n;
	struct {
		enum pol_rule rule;
		char	 text[200];	/* one line: what is wrong, what to do */
	} reason[POL_MAX_REASONS];
	char	 note[200];	/* a remark on a rule that passed with a
				   condition ("admitted case by case below
				   300000: <justification>"), or "" */
};

/* An empty verdict: allow, no reasons, no subkey chosen. */
void	 pol_verdict_init(struct pol_verdict *);

/*
 * Decides whether cand may join a list with policy pol at time now.
 * Collects every reason, not just the first.  Pure: no I/O, no globals.
 */
void	 pol_eligible(const struct pol_candidate *cand, const struct policy *pol,
	    time_t now, struct pol_verdict *out);

/* The key rules alone (every role), appended to out; used by member check. */
void	 pol_check_key(const struct keyfacts *key, const char *address,
	    const struct policy *pol, time_t now, struct pol_verdict *out);

/*
 * What delivery asks (min-validity-days is for admission): whether the key
 * can receive mail at now at all, that is neither revoked, invalid nor
 * expired, with an encryption subkey alive of an algorithm and size pol
 * allows (the newest such).  Appended to out like pol_check_key().
 */
void	 pol_key_usable(const struct keyfacts *key, const struct policy *pol,
	    time_t now, struct pol_verdict *out);

/*
 * When the key stops being able to receive mail: the earlier of the
 * primary's and the encryption subkey's expiry (0: never).
 */
time_t	 pol_key_expires(const struct keyfacts *key, int enc_subkey);

#endif
