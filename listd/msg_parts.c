/*
 * listd/msg_parts.c: see msg.h (msg_beside).  What else a message carries
 * beside the part that a signature covers, so that nothing unsigned goes
 * to members unnoticed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gmime/gmime.h>

#include "listd/msg.h"
#include "listd/msg_int.h"

static bool
signature_name(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && (strcasecmp(name + n - 4, ".sig") == 0 ||
	    strcasecmp(name + n - 4, ".asc") == 0 ||
	    strcasecmp(name + n - 4, ".pgp") == 0);
}

static int
add_leaf(struct msg_leaves *out, GMimeObject *o, const char *label)
{
	struct msg_leaf *nv, *l;
	const char *fn = NULL;
	char *type;

	if ((nv = realloc(out->v, (out->n + 1) * sizeof *nv)) == NULL)
		return -1;
	out->v = nv;
	l = &out->v[out->n];
	memset(l, 0, sizeof *l);
	if (o == NULL) {
		snprintf(l->name, sizeof l->name, "%s", label);
		out->n++;
		return 0;
	}
	if (GMIME_IS_PART(o))
		fn = g_mime_part_get_filename(GMIME_PART(o));
	type = g_mime_content_type_get_mime_type(
	    g_mime_object_get_content_type(o));
	snprintf(l->name, sizeof l->name, "%s", fn != NULL && fn[0] != '\0' ?
	    fn : type != NULL ? type : "a part");
	g_free(type);
	l->signature = is_type(o, "application", "pgp-signature") ||
	    (fn != NULL && signature_name(fn));
	l->named = fn != NULL && fn[0] != '\0';
	if (GMIME_IS_PART(o) && (l->bytes = part_bytes(o, &l->len)) == NULL)
		return -1;
	out->n++;
	return 0;
}

/* The leaves under o, but skip and what is under it. */
static int
walk(GMimeObject *o, const GMimeObject *skip, int depth,
    struct msg_leaves *out)
{
	int i, n;

	if (o == skip || depth > MSG_MAX_DEPTH)
		return 0;
	if (!GMIME_IS_MULTIPART(o))
		return add_leaf(out, o, NULL);
	n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
	for (i = 0; i < n; i++)
		if (walk(g_mime_multipart_get_part(GMIME_MULTIPART(o), i), skip,
		    depth + 1, out) == -1)
			return -1;
	return 0;
}

int
msg_beside(const struct msg *m, const struct msg_pgp *p,
    struct msg_leaves *out, struct pd_err *err)
{
	GMimeObject *body = g_mime_message_get_mime_part(m->gm), *skip;
	int rc = 0;

	memset(out, 0, sizeof *out);
	switch (p->form) {
	case MSG_FORM_SIGNED:
		if (!p->nested)
			return 0;
		skip = nested_signed(body);
		break;
	case MSG_FORM_INLINE_SIGNED:
	case MSG_FORM_INLINE_ENCRYPTED:
		skip = first_text(body, 0);
		break;
	default:
		return 0;
	}
	if (body != NULL)
		rc = walk(body, skip, 0, out);
	if (rc == 0 && p->form == MSG_FORM_INLINE_SIGNED && p->outside)
		rc = add_leaf(out, NULL, "text outside the signed block");
	if (rc == 0)
		return 0;
	msg_leaves_free(out);
	return pd_fail(err, PD_TEMPFAIL, "out of memory");
}

int
msg_attachments(const char *entity, size_t len, struct msg_leaves *out,
    struct pd_err *err)
{
	struct msg_leaves all;
	struct msg *m = NULL;
	GMimeObject *body;
	size_t i;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&all, 0, sizeof all);
	if ((rc = msg_parse(entity, len, true, &m, err)) != 0) {
		msg_free(m);
		return rc == MSG_OVER_LIMITS ? -1 : rc;
	}
	body = g_mime_message_get_mime_part(m->gm);
	if (body != NULL && walk(body, NULL, 0, &all) == -1) {
		msg_free(m);
		msg_leaves_free(&all);
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	}
	msg_free(m);
	/* Keep the named ones, in place; the rest are wiped and freed. */
	for (i = 0; i < all.n; i++) {
		if (all.v[i].named && !all.v[i].signature) {
			all.v[out->n++] = all.v[i];
			continue;
		}
		if (all.v[i].bytes != NULL)
			explicit_bzero(all.v[i].bytes, all.v[i].len);
		free(all.v[i].bytes);
	}
	out->v = all.v;
	return 0;
}

void
msg_sha256_hex(const void *data, size_t len, char out[65])
{
	gchar *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);

	snprintf(out, 65, "%s", hex != NULL ? hex : "");
	g_free(hex);
}

void
msg_leaves_free(struct msg_leaves *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (l->v[i].bytes != NULL)
			explicit_bzero(l->v[i].bytes, l->v[i].len);
		free(l->v[i].bytes);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

/* The first leaf of type/subtype under o, depth first, or NULL. */
static GMimeObject *
find_leaf(GMimeObject *o, const char *type, const char *subtype, int depth)
{
	GMimeObject *found = NULL;
	int i, n;

	if (o == NULL || depth > MSG_MAX_DEPTH)
		return NULL;
	if (!GMIME_IS_MULTIPART(o))
		return GMIME_IS_PART(o) && is_type(o, type, subtype) ? o : NULL;
	n = g_mime_multipart_get_count(GMIME_MULTIPART(o));
	for (i = 0; found == NULL && i < n; i++)
		found = find_leaf(g_mime_multipart_get_part(GMIME_MULTIPART(o),
		    i), type, subtype, depth + 1);
	return found;
}

int
msg_part_bytes(const struct msg *m, const char *type, const char *subtype,
    char **out, size_t *len, struct pd_err *err)
{
	GMimeObject *o = find_leaf(g_mime_message_get_mime_part(m->gm), type,
	    subtype, 0);

	*out = NULL;
	*len = 0;
	if (o != NULL && (*out = part_bytes(o, len)) == NULL)
		return pd_fail(err, PD_TEMPFAIL, "out of memory");
	return 0;
}
