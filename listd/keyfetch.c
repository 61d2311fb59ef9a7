/* listd/keyfetch.c: see keyfetch.h. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "keys/pgpfilter.h"
#include "listd/keyfetch.h"
#include "listd/net.h"

/* ---- WKD's hash: SHA-1 (FIPS 180-4) and z-base-32 ------------------------ */

#define ROL(x, n)	(((x) << (n)) | ((x) >> (32 - (n))))

static void
sha1_block(uint32_t h[5], const unsigned char *p)
{
	uint32_t w[80], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f, k,
	    t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (; i < 80; i++)
		w[i] = ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (i = 0; i < 80; i++) {
		if (i < 20)
			f = (b & c) | (~b & d), k = 0x5a827999;
		else if (i < 40)
			f = b ^ c ^ d, k = 0x6ed9eba1;
		else if (i < 60)
			f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
		else
			f = b ^ c ^ d, k = 0xca62c1d6;
		t = ROL(a, 5) + f + e + k + w[i];
		e = d, d = c, c = ROL(b, 30), b = a, a = t;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
}

/* SHA-1 of a local part (at most 64 octets: RFC 5321 4.5.3.1.1). */
static void
sha1(const unsigned char *m, size_t len, unsigned char out[20])
{
	uint32_t h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
	    0xc3d2e1f0 };
	unsigned char buf[192] = { 0 };
	size_t n = len > 64 ? 64 : len, total = (n + 9 + 63) / 64 * 64, i;
	uint64_t bits = (uint64_t)n * 8;

	memcpy(buf, m, n);
	buf[n] = 0x80;
	for (i = 0; i < 8; i++)
		buf[total - 1 - i] = (unsigned char)(bits >> (8 * i));
	for (i = 0; i < total; i += 64)
		sha1_block(h, buf + i);
	for (i = 0; i < 20; i++)
		out[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
}

void
keyfetch_wkd_hash(const char *local, size_t len, char out[33])
{
	static const char zb32[] = "ybndrfg8ejkmcpqxot1uwisza345h769";
	unsigned char low[64], d[20];
	size_t i, n = len > sizeof low ? sizeof low : len;
	unsigned bit;

	for (i = 0; i < n; i++)
		low[i] = (unsigned char)tolower((unsigned char)local[i]);
	sha1(low, n, d);
	for (i = 0; i < 32; i++) {	/* 160 bits, 5 at a time */
		bit = (unsigned)i * 5;
		out[i] = zb32[((d[bit / 8] << 8 | (bit / 8 + 1 < 20 ?
		    d[bit / 8 + 1] : 0)) >> (11 - bit % 8)) & 0x1f];
	}
	out[32] = '\0';
}

/* ---- HTTPS ---------------------------------------------------------------- */

struct body {
	char	*data;
	size_t	 len, max;
	bool	 over;
};

static size_t
take(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	char *d;

	n *= size;
	if (n > b->max - b->len) {
		b->over = true;
		return 0;	/* cut off while it comes */
	}
	if ((d = realloc(b->data, b->len + n + 1)) == NULL)
		return 0;
	memcpy(d + b->len, p, n);
	b->data = d;
	b->len += n;
	d[b->len] = '\0';
	return n;
}

/* The handle's options: HTTPS only, bounded, for the tests' server. */
static CURLcode
setup(CURL *h, const struct conf *c, const char *url, struct body *b,
    char *errbuf, struct curl_slist **connect_to)
{
	long t = (long)c->key_lookup_timeout;
	CURLcode rc;

	if (c->key_lookup_connect_to != NULL) {
		char map[300];

		snprintf(map, sizeof map, "::%s", c->key_lookup_connect_to);
		if ((*connect_to = curl_slist_append(NULL, map)) == NULL)
			return CURLE_OUT_OF_MEMORY;
	}
	if ((rc = curl_easy_setopt(h, CURLOPT_URL, url)) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
	    (rc = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https")) !=
	    CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https")) !=
	    CURLE_OK ||
#else
	    (rc = curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS))
	    != CURLE_OK || (rc = curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS,
	    (long)CURLPROTO_HTTPS)) != CURLE_OK ||
#endif
	    (rc = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_MAXREDIRS, 3L)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, t)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_TIMEOUT, t)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)c->key_lookup_max)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, take)) !=
	    CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_WRITEDATA, b)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf)) != CURLE_OK ||
	    (rc = curl_easy_setopt(h, CURLOPT_USERAGENT, "pdlist")) != CURLE_OK)
		return rc;
	if (*connect_to != NULL && (rc = curl_easy_setopt(h,
	    CURLOPT_CONNECT_TO, *connect_to)) != CURLE_OK)
		return rc;
	if (c->key_lookup_cafile != NULL)
		rc = curl_easy_setopt(h, CURLOPT_CAINFO, c->key_lookup_cafile);
	return rc;
}

enum got { GOT_KEY, GOT_NONE, GOT_TROUBLE };

/*
 * One GET of url: GOT_KEY with the body in *b, GOT_NONE when the server
 * has nothing (404, 410, an empty answer), GOT_TROUBLE otherwise; what
 * happened in why.
 */
static enum got
get(const struct conf *c, const char *url, struct body *b, char *why,
    size_t wlen)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *connect_to = NULL;
	struct pd_err err;
	long status = 0;
	CURLcode rc;
	CURL *h;

	memset(b, 0, sizeof *b);
	b->max = c->key_lookup_max;
	if (net_start(&err) == -1 || (h = curl_easy_init()) == NULL) {
		snprintf(why, wlen, "libcurl did not start");
		return GOT_TROUBLE;
	}
	if ((rc = setup(h, c, url, b, errbuf, &connect_to)) == CURLE_OK)
		rc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	curl_slist_free_all(connect_to);
	if (b->over || rc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(why, wlen, "the answer is over %zu KiB: cut off",
		    c->key_lookup_max / 1024);
		return GOT_TROUBLE;
	}
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(why, wlen, "no answer within %u seconds: cut off",
		    c->key_lookup_timeout);
		return GOT_TROUBLE;
	}
	if (rc != CURLE_OK) {
		snprintf(why, wlen, "%s", errbuf[0] ? errbuf :
		    curl_easy_strerror(rc));
		return GOT_TROUBLE;
	}
	if (status == 404 || status == 410 || (status == 200 && b->len == 0)) {
		snprintf(why, wlen, "no key");
		return GOT_NONE;
	}
	if (status != 200) {
		snprintf(why, wlen, "HTTP %ld", status);
		return GOT_TROUBLE;
	}
	return GOT_KEY;
}

/* ---- the lookup ------------------------------------------------------------ */

/* The URLs to try for address (local@domain), in order, into urls. */
static size_t
urls_for(const struct conf *c, const char *address, const char *fpr,
    char urls[][600], size_t max)
{
	const char *at = strrchr(address, '@'), *dom = at + 1;
	char hash[33], *esc;
	size_t n = 0, i;
	int local = (int)(at - address);

	keyfetch_wkd_hash(address, (size_t)local, hash);
	if ((esc = curl_easy_escape(NULL, address, local)) == NULL)
		return 0;
	if (c->key_lookup_wkd && n + 2 <= max) {
		snprintf(urls[n++], 600, "https://openpgpkey.%s/.well-known/"
		    "openpgpkey/%s/hu/%s?l=%s", dom, dom, hash, esc);
		snprintf(urls[n++], 600, "https://%s/.well-known/openpgpkey/hu/"
		    "%s?l=%s", dom, hash, esc);
	}
	curl_free(esc);
	if ((esc = curl_easy_escape(NULL, address, 0)) == NULL)
		return n;
	for (i = 0; i < c->nkeyservers && n < max; i++)
		snprintf(urls[n++], 600, "%s/vks/v1/%s/%s", c->keyservers[i],
		    fpr != NULL ? "by-fingerprint" : "by-email",
		    fpr != NULL ? fpr : esc);
	curl_free(esc);
	return n;
}

/* One source's answer on the refusal's line, as long as there is room. */
static void
note(char *line, size_t len, const char *url, const char *why)
{
	const char *host = strstr(url, "://");
	size_t off = strlen(line);

	host = host != NULL ? host + 3 : url;
	if (off < len)
		snprintf(line + off, len - off, "%s%.*s: %s", off ? "; " : "",
		    (int)strcspn(host, "/?"), host, why);
}

int
keyfetch(const struct conf *c, const char *address, const char *fpr,
    struct keys_blob *out, struct pd_err *err)
{
	char urls[2 + 8][600], why[CURL_ERROR_SIZE + 64], line[400] = "";
	struct body b;
	struct pd_err ferr;
	size_t i, n;
	bool trouble = false;

	memset(out, 0, sizeof *out);
	if (strrchr(address, '@') == NULL)
		return pd_fail(err, PD_REFUSED, "'%s' is not an address",
		    address);
	n = urls_for(c, address, fpr, urls, sizeof urls / sizeof urls[0]);
	for (i = 0; i < n; i++) {
		switch (get(c, urls[i], &b, why, sizeof why)) {
		case GOT_KEY:
			if (pgp_keep_uids(b.data, b.len, address, &out->data,
			    &out->len, &ferr) == 0) {
				snprintf(out->name, sizeof out->name, "%.255s",
				    urls[i]);
				free(b.data);
				return 0;
			}
			snprintf(why, sizeof why, "%.200s", ferr.text);
			break;
		case GOT_TROUBLE:
			trouble = true;
			break;
		case GOT_NONE:
			break;
		}
		free(b.data);
		note(line, sizeof line, urls[i], why);
	}
	if (n == 0)
		return pd_fail(err, PD_REFUSED, "no key lookup is configured "
		    "(key-lookup-wkd, keyservers in listd.conf)");
	return pd_fail(err, trouble ? PD_TEMPFAIL : PD_REFUSED, "no key for %s "
	    "found (%s)%s", address, line, trouble ? ": try again later" : "");
}
