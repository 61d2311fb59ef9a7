/*
 * listd/msg.h: messages, parsed with GMime.  The only module that includes
 * gmime.h.  It finds the OpenPGP structure of a message (RFC 3156
 * multipart/signed or multipart/encrypted, inline PGP, or none) and hands
 * out the bytes that keys/ decrypts or verifies; it never judges a sender.
 */
#ifndef PDLIST_MSG_H
#define PDLIST_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/util.h"

/* Limits (design.md, invariant 6): beyond them a message is held. */
#define MSG_MAX_DEPTH	16	/* nested multiparts and messages */
#define MSG_MAX_PARTS	512	/* MIME objects in all */
#define MSG_MAX_HEADER	(16 * 1024)	/* one header field, name and value */
#define MSG_MAX_HEADERS	(64 * 1024)	/* all header fields of one part */

struct msg;

/* Initialises GMime once per process. */
void	 msg_init(void);

/*
 * Parses raw as a message (entity: as a decrypted MIME entity, which need
 * not carry From:).  Returns 0; -1 for malformed MIME (PD_REFUSED with the
 * reason, e.g. "malformed MIME: multipart without boundary") or a failure
 * of ours (PD_TEMPFAIL); MSG_OVER_LIMITS for a limit exceeded (PD_REFUSED,
 * "over limits: 600 MIME parts (at most 512)").  *out is still set when
 * GMime made anything of it, so that its headers can be shown.  The caller
 * frees *out with msg_free() either way.
 */
#define MSG_OVER_LIMITS	(-2)
int	 msg_parse(const char *raw, size_t len, bool entity, struct msg **out,
	    struct pd_err *err);
void	 msg_free(struct msg *);

/* The first address of an address header, lower-cased; "" when none. */
void	 msg_address(const struct msg *, const char *header,
	    char out[ADDR_MAX + 1]);
/* A header's decoded value (owned by the message) or NULL. */
const char *msg_header(const struct msg *, const char *name);
/* The decoded Subject, or "" (owned by the message). */
const char *msg_subject(const struct msg *);

enum msg_form {
	MSG_FORM_PLAIN,			/* no OpenPGP at all */
	MSG_FORM_SIGNED,		/* RFC 3156 multipart/signed */
	MSG_FORM_ENCRYPTED,		/* RFC 3156 multipart/encrypted */
	MSG_FORM_INLINE_SIGNED,		/* clearsigned text */
	MSG_FORM_INLINE_ENCRYPTED	/* an armored PGP message in the text */
};
const char *msg_form_name(enum msg_form);

struct msg_pgp {
	enum msg_form	 form;
	char		*data;	/* SIGNED: the signed part, canonical CRLF;
				   ENCRYPTED, INLINE_*: the armored block */
	size_t		 len;
	char		*sig;	/* SIGNED: the detached signature */
	size_t		 sig_len;
	bool		 nested;	/* SIGNED: a multipart/signed inside a
					   multipart, not the whole message */
	bool		 outside;	/* INLINE_SIGNED: text around the
					   block in its part */
};

/*
 * Finds the OpenPGP structure of m.  A broken RFC 3156 structure (wrong
 * number of parts, wrong protocol) is PD_REFUSED.  The caller clears *out
 * with msg_pgp_clear().
 */
int	 msg_pgp(const struct msg *m, struct msg_pgp *out, struct pd_err *err);
void	 msg_pgp_clear(struct msg_pgp *);

/*
 * What a member would receive beside the signed or encrypted content: every
 * leaf part outside it (for INLINE_*: but the text part that holds the
 * block; for a nested SIGNED: outside the multipart/signed), by name (its
 * file name, else its content type) with its decoded content, and whether
 * it is itself a detached signature (application/pgp-signature, or a name
 * ending in .sig, .asc or .pgp).  Empty for the whole-message RFC 3156
 * forms.  The caller frees *out with msg_leaves_free().
 */
struct msg_leaf {
	char	 name[128];
	char	*bytes;
	size_t	 len;
	bool	 signature;
	bool	 named;		/* name is the part's own file name */
};
struct msg_leaves {
	struct msg_leaf	*v;
	size_t		 n;
};
/* Whether text (len bytes) holds only blanks outside [start, end). */
bool	 msg_blank_around(const char *text, size_t len, const char *start,
	    const char *end);
int	 msg_beside(const struct msg *m, const struct msg_pgp *p,
	    struct msg_leaves *out, struct pd_err *err);
void	 msg_leaves_free(struct msg_leaves *);
/* The decoded content of m's first leaf of type/subtype (*out malloc'd),
   or *out NULL when it has none. */
int	 msg_part_bytes(const struct msg *m, const char *type,
	    const char *subtype, char **out, size_t *len, struct pd_err *err);

/*
 * The attachments of a MIME entity (a payload, a public copy's content):
 * every leaf part with a file name that is no detached signature, in
 * order, with its decoded content.  The caller frees *out with
 * msg_leaves_free().
 */
int	 msg_attachments(const char *entity, size_t len, struct msg_leaves *out,
	    struct pd_err *err);
/* The SHA-256 of len bytes at data, in lower-case hex. */
void	 msg_sha256_hex(const void *data, size_t len, char out[65]);

/*
 * The first text/plain part, decoded to UTF-8, of the message or, with
 * signed_content, of the signed part of a multipart/signed message.  *text
 * is malloc'd (the caller frees it); "" when there is none.
 */
int	 msg_text(const struct msg *m, bool signed_content, char **text,
	    size_t *len, struct pd_err *err);

/* The real headers, carried inside the encryption (protected headers). */
struct msg_protected {
	const char	*subject;
	const char	*from;
	const char	*to;
	const char	*date;
	const char	*message_id;
};

/*
 * What a member decrypts: the top MIME part of m written as an entity, its
 * content exactly as it came (a signature inside stays valid), with the
 * protected headers and protected-headers="v1" (RFC 9788: hp="cipher") on
 * it.  *out is malloc'd; it is plaintext: wipe it (wipe_free()).
 */
int	 msg_payload(const struct msg *m, const struct msg_protected *ph,
	    char **out, size_t *len, struct pd_err *err);

/*
 * msg_payload() with the text part that held a clearsigned block carrying
 * text (what gpg verified) instead: for inline-signed text whose
 * attachments are signed each on their own.
 */
int	 msg_payload_text(const struct msg *m, const char *text,
	    const struct msg_protected *ph, char **out, size_t *len,
	    struct pd_err *err);

/*
 * *payload (what members decrypt) followed by armored, the sender's own
 * signed OpenPGP message (inline PGP, which mail clients verify), in a
 * multipart/mixed carrying the payload's protected headers.  The old
 * payload is wiped and replaced.
 */
int	 msg_payload_add_signed(char **payload, size_t *plen,
	    const char *armored, size_t alen, struct pd_err *err);

/*
 * The outer headers of a copy (headers.h decides them): nothing
 * embargoed, no other member.  Every copy has From: the list, a Date, its
 * Message-ID, List-Id (RFC 2919), List-Help and List-Owner (RFC 2369: the
 * list's -request@ and -owner@), List-Post: NO and X-Loop.
 */
struct msg_copy {
	const char	*list;		/* From:, the List-Id */
	const char	*to;		/* To:, or NULL: the list */
	const char	*subject;	/* neutral, e.g. "[...]", or the real one */
	const char	*message_id;	/* unique per copy, without <> */
	const char	*in_reply_to;	/* an auto-reply's or a reply's, or NULL */
	const char	*references;	/* a reply's, or NULL */
	const char	*auto_submitted;	/* RFC 3834's value, or NULL */
	bool		 precedence;	/* Precedence: list */
	const char	*openpgp_fpr;	/* the list's key for the OpenPGP:
					   header, or NULL */
	const char	*reply_to;	/* Reply-To:, or NULL */
};

/*
 * A member's copy without its armored OpenPGP message: an RFC 3156
 * multipart/encrypted message with c's headers, whose armor goes at *at
 * (a line's start) in *frame (len bytes, malloc'd, NUL-terminated).  The
 * armor is not copied in: a sender sends what is before *at, the armor,
 * and the rest (smtp_send_parts()).
 */
int	 msg_encrypted_frame(const struct msg_copy *c, char **frame,
	    size_t *len, size_t *at, struct pd_err *err);

/*
 * One frame for the copies of a post.  A member's encrypted copy differs
 * from the next only in its Message-ID (the post's id and a hash of the
 * member: always as long), so msg_frame_make() builds one with GMime and
 * msg_frame_from() gives the next copy that text with its own Message-ID
 * written over the first's, in place: the bytes GMime would give for it
 * (with the first one's Date and MIME boundary), without building a
 * message for every copy.
 */
struct msg_frame {
	char	*key;		/* the headers it was made with, but the
				   Message-ID; NULL: none made */
	char	*text;		/* as msg_encrypted_frame() gives it */
	size_t	 len, at;
	size_t	 mid_at, mid_len;	/* its Message-ID in text */
};

/* f made from c; false (f left empty) when c's cannot be shared. */
bool	 msg_frame_make(struct msg_frame *f, const struct msg_copy *c,
	    struct pd_err *err);
/*
 * c's frame made from f, as msg_encrypted_frame(): true when c's headers
 * are f's but for a Message-ID as long and as plain (letters, digits and
 * . - _ + @); false, and nothing made, otherwise.
 */
bool	 msg_frame_from(const struct msg_frame *f, const struct msg_copy *c,
	    char **frame, size_t *len, size_t *at);
void	 msg_frame_clear(struct msg_frame *f);

/*
 * A public copy, signed in cleartext (RFC 3156 multipart/signed): the
 * entity payload and the list's detached signature over what
 * msg_canonical() gives for it, with c's headers.
 */
int	 msg_canonical(const char *payload, size_t len, char **out,
	    size_t *out_len, struct pd_err *err);
int	 msg_signed_copy(const struct msg_copy *c, const char *payload, size_t len, const char *sig, size_t sig_len,
	    const char *micalg, char **out, size_t *out_len, struct pd_err *err);

/* The same for text that is not MIME (inline PGP): a text/plain entity. */
int	 msg_text_payload(const char *text, size_t text_len,
	    const struct msg_protected *ph, char **out, size_t *len,
	    struct pd_err *err);
/*
 * The same with message (mlen bytes; NULL: none) after the text, as a
 * message/rfc822 part of a multipart/mixed: a held message for the
 * moderators, inside the encryption only.
 */
int	 msg_text_message_payload(const char *text, size_t text_len,
	    const char *message, size_t mlen, const struct msg_protected *ph,
	    char **out, size_t *len, struct pd_err *err);

#endif
