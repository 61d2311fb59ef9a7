/*
 * listd/auth.h: authentication.  Parses a message within limits, decrypts
 * it with the list's key when it is encrypted, verifies every signature in
 * the forms mail clients send (RFC 3156 multipart/signed, a signature
 * inside multipart/encrypted, inline clearsigned or encrypted text), and
 * builds what members would decrypt (the payload).  It says who signed,
 * never whether that is enough: that is the decision (decide.h).
 */
#ifndef PDLIST_AUTH_H
#define PDLIST_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util.h"
#include "keys/keys.h"
#include "listd/record.h"

/* What authentication found out about one message. */
struct auth {
	char		 form[96];	/* "pgp-mime-encrypted+pgp-mime-signed" */
	char		 from[ADDR_MAX + 1];	/* unverified, for display */
	char		 message_id[256];
	char		 subject[256];	/* for moderators: the innermost one
					   (decrypted, perhaps unsigned) */
	char		 received_subject[256];	/* the message's, as received */
	const char	*subject_from;	/* of the Subject members see:
					   "signed" (the signed entity's own)
					   or "received" */
	char		 in_reply_to[512], references[2048];	/* threads */
	bool		 loop_header;	/* X-Loop names the list */
	bool		 may_auto_reply;	/* RFC 3834 section 2 allows it */
	struct keys_sigs sigs;
	char		*text;		/* the signed (or only) body text */
	size_t		 text_len;
	/* set when the message cannot go on, whatever its signatures */
	enum hold_reason hold;		/* HOLD_NONE: nothing against it */
	char		 hold_text[512];
	/* what members decrypt, and its real headers; NULL when nothing
	   signed (or, moderated, nothing readable) was found */
	bool		 moderated;	/* approved: unsigned content goes too */
	char		*payload;	/* plaintext: wiped */
	size_t		 payload_len;
	char		 h_from[512], h_to[512], h_date[128];
};

/*
 * Authenticates raw (len bytes, a message as received) for list with the
 * list's keyring.  a is cleared first; with moderated, unsigned content
 * gets a payload too.  Returns -1 only for temporary trouble (gpg, memory);
 * a message that cannot go on gets a->hold.  Plaintext inside a is wiped by
 * auth_clear().
 */
int	auth_message(struct keys *, const char *list, const char *raw,
	    size_t len, bool moderated, struct auth *a, struct pd_err *err);
void	auth_clear(struct auth *);
/* The Subject members see (protected headers): see subject_from. */
const char *auth_protected_subject(const struct auth *);

#endif
