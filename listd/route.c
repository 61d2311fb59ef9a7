/* listd/route.c: see route.h. */
#include <stdio.h>
#include <string.h>

#include "listd/route.h"

static const struct {
	const char	*suffix;
	enum rcpt_kind	 kind;
} suffixes[] = {
	{ "-bounces", RCPT_BOUNCES },
	{ "-owner", RCPT_OWNER },
	{ "-request", RCPT_REQUEST },
};
#define NSUFFIXES	(sizeof suffixes / sizeof suffixes[0])
#define BOUNCES_PLUS	"-bounces+"

static bool
token_ok(const char *t, size_t len)
{
	size_t i;

	if (len == 0 || len >= RCPT_TOKEN_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' &&
		    t[i] <= '9')))
			return false;
	return true;
}

/*
 * What address would be, were it a list's own address other than its
 * post address: the list's address into base, the kind and token.  False
 * when it has no such form.
 */
static bool
split(const char *address, char base[ADDR_MAX + 1], enum rcpt_kind *kind,
    char token[RCPT_TOKEN_MAX])
{
	const char *at = strrchr(address, '@'), *tok, *end;
	size_t i, n, blen = strlen(BOUNCES_PLUS);

	if (at == NULL)
		return false;
	token[0] = '\0';
	end = at;
	*kind = RCPT_POST;
	for (tok = at; tok > address && tok[-1] != '+'; tok--)
		;			/* tok: after the last '+', if any */
	if (tok > address + blen && strncmp(tok - blen, BOUNCES_PLUS,
	    blen) == 0 && token_ok(tok, (size_t)(at - tok))) {
		snprintf(token, RCPT_TOKEN_MAX, "%.*s", (int)(at - tok), tok);
		*kind = RCPT_BOUNCES;
		end = tok - blen;
	}
	for (i = 0; *kind == RCPT_POST && i < NSUFFIXES; i++) {
		n = strlen(suffixes[i].suffix);
		if ((size_t)(at - address) > n &&
		    strncmp(at - n, suffixes[i].suffix, n) == 0) {
			*kind = suffixes[i].kind;
			end = at - n;
		}
	}
	if (*kind == RCPT_POST || end == address)
		return false;
	snprintf(base, ADDR_MAX + 1, "%.*s%s", (int)(end - address), address,
	    at);
	return true;
}

int
route_resolve(const char *address, route_exists_fn exists, void *arg,
    struct route *r, struct pd_err *err)
{
	int rc;

	memset(r, 0, sizeof *r);
	/* A list's own post address first, whatever it ends in. */
	if ((rc = exists(arg, address, err)) != 0) {
		snprintf(r->list, sizeof r->list, "%s", address);
		r->kind = RCPT_POST;
		return rc == 1 ? 0 : -1;
	}
	if (split(address, r->list, &r->kind, r->token) &&
	    (rc = exists(arg, r->list, err)) != 0)
		return rc == 1 ? 0 : -1;
	memset(r, 0, sizeof *r);
	return pd_fail(err, PD_REFUSED, "no list %s", address);
}

int
route_address(const char *list, enum rcpt_kind kind, const char *token,
    char out[ADDR_MAX + 1])
{
	const char *at = strrchr(list, '@');
	size_t i;
	int n;

	if (at == NULL || kind == RCPT_POST)
		n = snprintf(out, ADDR_MAX + 1, "%s", list);
	else {
		for (i = 0; i < NSUFFIXES - 1 && suffixes[i].kind != kind; i++)
			;
		n = snprintf(out, ADDR_MAX + 1, "%.*s%s%s%s%s",
		    (int)(at - list), list, suffixes[i].suffix, token != NULL &&
		    token[0] ? "+" : "", token != NULL ? token : "", at);
	}
	return n >= 0 && n <= ADDR_MAX ? 0 : -1;
}

/* Whether b is one of list a's own addresses other than a itself. */
static bool
claims(const char *a, const char *b)
{
	char base[ADDR_MAX + 1], token[RCPT_TOKEN_MAX];
	enum rcpt_kind kind;

	return split(b, base, &kind, token) && strcmp(base, a) == 0;
}

bool
route_own(const char *list, const char *address)
{
	return strcmp(list, address) == 0 || claims(list, address);
}

bool
route_clash(const char *a, const char *b)
{
	return strcmp(a, b) == 0 || claims(a, b) || claims(b, a);
}
