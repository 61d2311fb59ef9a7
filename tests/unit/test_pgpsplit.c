/*
 * tests/unit/test_pgpsplit.c: keys/pgpsplit with real gpg and keys made
 * here.  A sender home holds the list key and every member's public key;
 * each member's home holds that member's secret key alone, so "decrypts
 * with its member's key and with no other" is a real test.  The test has
 * its own small packet walker (trusting gpg's output) to re-frame
 * messages, independent of the parser under test.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keys/pgpshards.h"
#include "keys/pgpsplit.h"
#include "tap.h"

#define NMEMBERS	4
#define PAYLOAD_LEN	(100 * 1024)
#define MAX_PKTS	16

static char dir[] = "/tmp/pdlist-pgpsplit.XXXXXX";
static char sender[1100];
static char home[NMEMBERS][1100];
static char subkey[NMEMBERS][17];	/* each member's encryption subkey ID */
static unsigned char *payload;

/* ---- files and gpg ------------------------------------------------------ */

static char *
path(const char *name)
{
	static char buf[4][1200];
	static int n;

	n = (n + 1) % 4;
	snprintf(buf[n], sizeof buf[n], "%s/%s", dir, name);
	return buf[n];
}

static bool
write_all(const char *p, const void *buf, size_t len)
{
	FILE *f;
	bool good;

	if ((f = fopen(p, "wb")) == NULL)
		return false;
	good = fwrite(buf, 1, len, f) == len;
	return fclose(f) == 0 && good;
}

/* The file at p, malloc'd and NUL-terminated; NULL when unreadable. */
static char *
slurp(const char *p, size_t *len)
{
	struct pd_err err;
	char *buf;

	if (read_file(p, 16 << 20, &buf, len, &err) == -1)
		return NULL;
	return buf;
}

/*
 * Runs gpg on home with stdin from in and stdout to out (either may be
 * NULL: /dev/null), stderr appended to gpg.log; the arguments end with
 * NULL.  Returns the exit status, or -1.
 */
static int
gpg(const char *h, const char *in, const char *out, ...)
{
	extern char **environ;
	posix_spawn_file_actions_t fa;
	char *argv[32];
	va_list ap;
	pid_t pid;
	int n = 0, st = -1;

	argv[n++] = "gpg";
	argv[n++] = "--homedir";
	argv[n++] = (char *)h;
	argv[n++] = "--batch";
	argv[n++] = "--no-tty";
	argv[n++] = "--pinentry-mode";
	argv[n++] = "loopback";
	argv[n++] = "--passphrase";
	argv[n++] = "";
	va_start(ap, out);
	while (n < 31 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, in ? in : "/dev/null",
	    O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, out ? out : "/dev/null",
	    O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, path("gpg.log"),
	    O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (posix_spawnp(&pid, "gpg", &fa, NULL, argv, environ) == 0)
		while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
			;
	posix_spawn_file_actions_destroy(&fa);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
stop_agent(const char *h)
{
	extern char **environ;
	char *argv[] = { "gpgconf", "--homedir", (char *)h, "--kill", "all",
	    NULL };
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, "gpgconf", NULL, NULL, argv, environ) == 0)
		while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
			;
}

/* The encryption subkey's ID from gpg --with-colons. */
static bool
find_subkey(const char *h, char id[17])
{
	char *out, *p;
	size_t len;
	int i;

	if (gpg(h, NULL, path("colons"), "--with-colons", "--list-keys",
	    NULL) != 0 || (out = slurp(path("colons"), &len)) == NULL)
		return false;
	p = strstr(out, "\nsub:");
	/* sub:validity:length:algo:KEYID: */
	for (i = 0; p != NULL && i < 4; i++)
		p = strchr(p + 1, ':');
	if (p != NULL)
		snprintf(id, 17, "%.16s", p + 1);
	free(out);
	return p != NULL && strlen(id) == 16;
}

static bool
make_home(const char *h, const char *uid)
{
	return mkdir(h, 0700) == 0 && gpg(h, NULL, NULL, "--quick-gen-key",
	    uid, "future-default", "default", "never", NULL) == 0;
}

/* Public key of from into to. */
static bool
copy_public(const char *from, const char *to)
{
	return gpg(from, NULL, path("pub"), "--export", NULL) == 0 &&
	    gpg(to, path("pub"), NULL, "--import", NULL) == 0;
}

static bool
setup(void)
{
	char uid[64];
	int i;

	snprintf(sender, sizeof sender, "%s/sender", dir);
	if (!make_home(sender, "<list@test.example>"))
		return false;
	for (i = 0; i < NMEMBERS; i++) {
		snprintf(home[i], sizeof home[i], "%s/m%d", dir, i + 1);
		snprintf(uid, sizeof uid, "<m%d@test.example>", i + 1);
		if (!make_home(home[i], uid) ||
		    !find_subkey(home[i], subkey[i]) ||
		    !copy_public(home[i], sender) ||
		    !copy_public(sender, home[i]))
			return false;
	}
	return true;
}

/* Signs and encrypts payload from the sender to the members; extra options. */
static char *
encrypt_to(const char *name, int nmembers, size_t *len, ...)
{
	char *argv[24], uid[NMEMBERS][32];
	const char *a;
	va_list ap;
	int n = 0, i;

	va_start(ap, len);
	while (n < 8 && (a = va_arg(ap, const char *)) != NULL)
		argv[n++] = (char *)a;
	va_end(ap);
	for (i = 0; i < nmembers; i++) {
		snprintf(uid[i], sizeof uid[i], "m%d@test.example", i + 1);
		argv[n++] = "-r";
		argv[n++] = uid[i];
	}
	while (n < 24)
		argv[n++] = NULL;
	if (!write_all(path("payload"), payload, PAYLOAD_LEN) ||
	    gpg(sender, path("payload"), path(name), "--trust-model", "always",
	    "-u", "list@test.example", argv[0], argv[1], argv[2], argv[3],
	    argv[4], argv[5], argv[6], argv[7], argv[8], argv[9], argv[10],
	    argv[11], argv[12], argv[13], argv[14], argv[15], NULL) != 0)
		return NULL;
	return slurp(path(name), len);
}

/*
 * Decrypts text with home h: true when gpg succeeded, gave back exactly
 * the payload and found the list's good signature.  sed: the data has no
 * MDC (tag 9), which gpg refuses unless told.
 */
static bool
decrypts(const char *h, const char *text, size_t len, bool sed)
{
	char *plain = NULL, *status = NULL;
	size_t plen = 0, slen;
	bool good;
	int rc;

	if (!write_all(path("copy.asc"), text, len))
		return false;
	unlink(path("plain"));
	rc = gpg(h, path("copy.asc"), path("plain"), "--status-file",
	    path("status"), sed ? "--ignore-mdc-error" : "--quiet", "--decrypt",
	    NULL);
	plain = slurp(path("plain"), &plen);
	status = slurp(path("status"), &slen);
	good = rc == 0 && plain != NULL && plen == PAYLOAD_LEN &&
	    memcmp(plain, payload, plen) == 0 && status != NULL &&
	    strstr(status, "[GNUPG:] GOODSIG ") != NULL;
	if (plain != NULL)
		explicit_bzero(plain, plen);
	free(plain);
	free(status);
	return good;
}

/* ---- the test's own packet walker --------------------------------------- */

struct tpkt {
	int		 tag;
	unsigned char	*body;		/* de-chunked, malloc'd */
	size_t		 len;
	size_t		 chunks;	/* partial length headers */
};

static size_t
tlen(const unsigned char *m, size_t *pos, bool *partial)
{
	unsigned o = m[(*pos)++];
	size_t n;

	*partial = o >= 224 && o < 255;
	if (o < 192)
		return o;
	if (o < 224) {
		n = ((size_t)(o - 192) << 8) + m[*pos] + 192;
		*pos += 1;
		return n;
	}
	if (o == 255) {
		n = (size_t)m[*pos] << 24 | (size_t)m[*pos + 1] << 16 |
		    (size_t)m[*pos + 2] << 8 | m[*pos + 3];
		*pos += 4;
		return n;
	}
	return (size_t)1 << (o & 0x1f);
}

/* gpg's message into packets; returns their number. */
static int
walk(const unsigned char *m, size_t len, struct tpkt *p)
{
	size_t pos = 0, n, i;
	bool partial;
	int np = 0;

	while (pos < len && np < MAX_PKTS) {
		struct tpkt *t = &p[np++];
		unsigned b = m[pos++];

		memset(t, 0, sizeof *t);
		t->body = malloc(len);
		if (b & 0x40) {
			t->tag = b & 0x3f;
			n = tlen(m, &pos, &partial);
		} else {
			t->tag = (b >> 2) & 0xf;
			for (i = 0, n = 0; i < (1u << (b & 3)); i++)
				n = n << 8 | m[pos++];
			partial = false;
		}
		for (;;) {
			memcpy(t->body + t->len, m + pos, n);
			t->len += n;
			pos += n;
			if (!partial)
				break;
			t->chunks++;
			n = tlen(m, &pos, &partial);
		}
	}
	return np;
}

static void
walk_free(struct tpkt *p, int n)
{
	while (n-- > 0)
		free(p[n].body);
}

/* An old-format packet of tag < 16, with w length octets (0: fewest). */
static size_t
put_old(unsigned char *o, int tag, const unsigned char *body, size_t n,
    size_t w)
{
	size_t h = 0, i;

	if (w == 0)
		w = n < 256 ? 1 : n < 65536 ? 2 : 4;
	o[h++] = 0x80 | tag << 2 | (w == 1 ? 0 : w == 2 ? 1 : 2);
	for (i = w; i-- > 0;)
		o[h++] = (unsigned char)(n >> (8 * i));
	memcpy(o + h, body, n);
	return h + n;
}

/* A new-format packet with a definite length; five = 1 forces 5 octets. */
static size_t
put_new(unsigned char *o, int tag, const unsigned char *body, size_t n,
    int five)
{
	size_t h = 0;

	o[h++] = 0xc0 | tag;
	if (n < 192 && !five)
		o[h++] = n;
	else if (n < 8384 && !five) {
		o[h++] = ((n - 192) >> 8) + 192;
		o[h++] = (n - 192) & 0xff;
	} else {
		o[h++] = 0xff;
		o[h++] = n >> 24;
		o[h++] = n >> 16;
		o[h++] = n >> 8;
		o[h++] = n;
	}
	memcpy(o + h, body, n);
	return h + n;
}

/* ---- checks ------------------------------------------------------------- */

static int
member_of(const char *keyid)
{
	int i;

	for (i = 0; i < NMEMBERS; i++)
		if (strcmp(keyid, subkey[i]) == 0)
			return i;
	return -1;
}

/*
 * pgp_split_copy_parts() of keyid: a head that ends a line, a tail of
 * CRLF lines none of which starts with a dot (SMTP's DATA as it is), and
 * the three joined, the tail's CRs out, are the copy (len bytes).
 */
static bool
parts_shape(const struct pgp_split *s, const char *keyid, const char *copy,
    size_t len)
{
	struct pgp_copy c;
	struct pd_err err;
	size_t i, n;
	bool good;

	if (pgp_split_copy_parts(s, keyid, &c, &err) == -1)
		return false;
	/* these messages are long enough to have a tail */
	good = c.tail_len > 0 && c.head_len > 0 &&
	    c.head[c.head_len - 1] == '\n' && c.head_len <= len && memcmp(c.head, copy, c.head_len) == 0;
	for (i = 0, n = c.head_len; good && i < c.tail_len; i++) {
		if (c.tail[i] == '\r')
			good = i + 1 < c.tail_len && c.tail[i + 1] == '\n';
		else if (c.tail[i] == '\n')
			good = i > 0 && c.tail[i - 1] == '\r' &&
			    (i + 1 == c.tail_len || c.tail[i + 1] != '.');
		else
			good = n < len && copy[n++] == c.tail[i];
		if (good && c.tail[i] == '\n')
			good = n < len && copy[n++] == '\n';
	}
	good = good && (c.tail_len == 0 || c.tail[c.tail_len - 1] == '\n') &&
	    n + c.end_len == len && memcmp(copy + n, c.end, c.end_len) == 0;
	pgp_copy_clear(&c);
	return good;
}

/* Lines of at most 64 columns, the armor's frame, LF only. */
static bool
armor_shape(const char *t, size_t len)
{
	static const char head[] = "-----BEGIN PGP MESSAGE-----\n\n";
	static const char tail[] = "\n-----END PGP MESSAGE-----\n";
	const char *p, *nl;

	if (len < sizeof head + sizeof tail || strlen(t) != len ||
	    strncmp(t, head, sizeof head - 1) != 0 ||
	    strcmp(t + len - (sizeof tail - 1), tail) != 0 ||
	    strchr(t, '\r') != NULL)
		return false;
	for (p = t; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		if (nl - p > 64)
			return false;
	return true;
}

/*
 * Splits msg and checks every member's copy: one PKESK, the member's, the
 * data packet byte for byte, and (when decrypt) that it decrypts with the
 * member's home and with no other.
 */
static void
check_copies(const char *what, const void *msg, size_t len, bool decrypt,
    bool sed)
{
	struct pgp_split *s = NULL, *c = NULL;
	struct pgp_data_info d, cd;
	struct pd_err err = { 0 };
	char *copy, *re;
	void *bin;
	size_t clen, blen, rlen, i;
	int m, j, seen = 0;

	if (!ok(pgp_split_parse(msg, len, &s, &err) == 0, "%s: parsed: %s",
	    what, err.text))
		return;
	ok(pgp_split_count(s) == NMEMBERS, "%s: %d PKESKs", what, NMEMBERS);
	pgp_split_data_info(s, &d);
	for (i = 0; i < pgp_split_count(s); i++) {
		if ((m = member_of(pgp_split_keyid(s, i))) < 0 ||
		    pgp_split_copy(s, subkey[m], &copy, &clen, &err) == -1) {
			ok(0, "%s: PKESK %zu: %s", what, i, err.text);
			continue;
		}
		seen |= 1 << m;
		ok(armor_shape(copy, clen), "%s: m%d: armor frame, 64 columns",
		    what, m + 1);
		ok(parts_shape(s, subkey[m], copy, clen), "%s: m%d: in parts, "
		    "the same, its shared tail in CRLF lines", what, m + 1);
		bin = NULL;
		ok(pgp_dearmor(copy, clen, &bin, &blen, &err) == 0 &&
		    pgp_split_parse(bin, blen, &c, &err) == 0 &&
		    pgp_split_count(c) == 1 &&
		    strcmp(pgp_split_keyid(c, 0), subkey[m]) == 0,
		    "%s: m%d: the copy has one PKESK, for %s", what, m + 1,
		    subkey[m]);
		if (c != NULL && pgp_armor(bin, blen, "MESSAGE", &re, &rlen,
		    &err) == 0) {	/* an armored tail made once: the same */
			ok(rlen == clen && memcmp(re, copy, clen) == 0,
			    "%s: m%d: the copy is its bytes armored, byte for "
			    "byte", what, m + 1);
			free(re);
		}
		if (c != NULL) {
			pgp_split_data_info(c, &cd);
			ok(cd.len == d.len && memcmp((char *)bin + cd.off,
			    (const char *)msg + d.off, d.len) == 0,
			    "%s: m%d: the encrypted data is the same bytes",
			    what, m + 1);
		}
		pgp_split_free(c);
		c = NULL;
		free(bin);
		if (decrypt) {
			ok(decrypts(home[m], copy, clen, sed), "%s: m%d "
			    "decrypts its copy to the payload, list signature "
			    "good", what, m + 1);
			for (j = 0; j < NMEMBERS; j++)
				if (j != m)
					ok(!decrypts(home[j], copy, clen, sed),
					    "%s: m%d cannot decrypt m%d's copy",
					    what, j + 1, m + 1);
		}
		free(copy);
	}
	ok(seen == (1 << NMEMBERS) - 1, "%s: every member has a copy", what);
	pgp_split_free(s);
}

static void
test_binary(const char *msg, size_t len, struct tpkt *p, int np)
{
	struct pgp_split *s = NULL;
	struct pgp_data_info d;
	struct pd_err err = { 0 };

	if (!ok(pgp_split_parse(msg, len, &s, &err) == 0, "binary: parsed: %s",
	    err.text))
		return;
	pgp_split_data_info(s, &d);
	ok(d.tag == 18 && d.version == 1 && d.new_format &&
	    d.off + d.len == len,
	    "binary: SEIPD v1, new format, to the end (tag %d v%d)", d.tag,
	    d.version);
	ok(np == NMEMBERS + 1 && d.partials > 0 &&
	    d.partials == p[np - 1].chunks && d.body_len == p[np - 1].len,
	    "binary: %zu partial body lengths walked, %zu body bytes",
	    d.partials, d.body_len);
	pgp_split_free(s);
	check_copies("binary", msg, len, true, false);
}

/*
 * The message as gpg wrote it (old-format PKESKs, new-format partial
 * SEIPD) re-framed: every packet new format with definite lengths; the
 * PKESKs old format with 2-octet lengths.  Old format cannot carry tag 18:
 * see test_sed() for old-format encrypted data.
 */
static void
test_framings(struct tpkt *p, int np)
{
	struct pgp_split *s = NULL;
	struct pgp_data_info d;
	struct pd_err err = { 0 };
	unsigned char *o;
	size_t n, size = 4096;
	int k;

	for (k = 0; k < np; k++)
		size += p[k].len + 8;
	o = malloc(size);
	for (k = 0, n = 0; k < np; k++)
		n += put_new(o + n, p[k].tag, p[k].body, p[k].len, k == np - 1);
	if (ok(pgp_split_parse(o, n, &s, &err) == 0, "new format, definite "
	    "lengths: parsed: %s", err.text)) {
		pgp_split_data_info(s, &d);
		ok(d.new_format && d.partials == 0 && d.len == d.body_len + 6 &&
		    d.body_len == p[np - 1].len &&
		    memcmp(o + d.off + 6, p[np - 1].body, d.body_len) == 0,
		    "new format: 5-octet length, the same encrypted bytes");
		pgp_split_free(s);
		check_copies("new format", o, n, true, false);
	}
	for (k = 0, n = 0; k < np - 1; k++)
		n += put_old(o + n, p[k].tag, p[k].body, p[k].len, 2);
	n += put_new(o + n, p[k].tag, p[k].body, p[k].len, 0);
	ok(pgp_split_parse(o, n, &s, &err) == 0 && pgp_split_count(s) == 4,
	    "old-format PKESKs with 2-octet lengths: parsed: %s", err.text);
	pgp_split_free(s);
	check_copies("2-octet old format", o, n, false, false);
	/* A marker before the PKESKs is skipped; after one, refused. */
	memcpy(o, "\xca\x03PGP", 5);
	for (k = 0, n = 5; k < np; k++)
		n += put_new(o + n, p[k].tag, p[k].body, p[k].len, 0);
	ok(pgp_split_parse(o, n, &s, &err) == 0 && pgp_split_count(s) == 4,
	    "a marker packet first is skipped: %s", err.text);
	pgp_split_free(s);
	check_copies("after a marker", o, n, false, false);
	n = put_new(o, p[0].tag, p[0].body, p[0].len, 0);
	memcpy(o + n, "\xa8\x03PGP", 5);	/* old-format marker */
	for (k = 1, n += 5; k < np; k++)
		n += put_new(o + n, p[k].tag, p[k].body, p[k].len, 0);
	ok(pgp_split_parse(o, n, &s, &err) == -1 && strstr(err.text, "marker"),
	    "a marker after a PKESK is refused: %s", err.text);
	/* The same PKESK twice. */
	for (k = 0, n = 0; k < np; k++) {
		n += put_new(o + n, p[k].tag, p[k].body, p[k].len, 0);
		if (k == 1)
			n += put_new(o + n, p[0].tag, p[0].body, p[0].len, 0);
	}
	ok(pgp_split_parse(o, n, &s, &err) == -1 && strstr(err.text, "second"),
	    "two PKESKs for one key ID refused: %s", err.text);
	/* A PKESK of unknown version. */
	p[0].body[0] = 5;
	for (k = 0, n = 0; k < np; k++)
		n += put_new(o + n, p[k].tag, p[k].body, p[k].len, 0);
	p[0].body[0] = 3;
	ok(pgp_split_parse(o, n, &s, &err) == -1 && strstr(err.text, "version"),
	    "a v5 PKESK refused: %s", err.text);
	/* A partial length on a PKESK. */
	memcpy(o, "\xc1\xe0\x03\x03\x03\x03", 6);
	ok(pgp_split_parse(o, 6, &s, &err) == -1 && strstr(err.text, "partial"),
	    "a partial length on a PKESK refused: %s", err.text);
	free(o);
}

/*
 * Old-format encrypted data: gpg --rfc2440 writes SED (tag 9, no MDC) with
 * partial lengths; re-framed as old format with a 4-octet length, the
 * copies hold the same bytes and decrypt (gpg --ignore-mdc-error).
 */
static void
test_sed(void)
{
	struct pgp_split *s = NULL;
	struct pgp_data_info d;
	struct pd_err err = { 0 };
	struct tpkt p[MAX_PKTS];
	unsigned char *o;
	char *msg;
	size_t len, n, w = 0;
	int k, np;

	if ((msg = encrypt_to("rfc2440.gpg", NMEMBERS, &len, "-se",
	    "--rfc2440", NULL)) == NULL) {
		ok(0, "gpg --rfc2440 signs and encrypts");
		return;
	}
	ok(pgp_split_parse(msg, len, &s, &err) == 0, "--rfc2440: parsed: %s",
	    err.text);
	if (s != NULL)
		pgp_split_data_info(s, &d);
	ok(s != NULL && d.tag == 9 && d.partials > 0, "--rfc2440: SED (tag 9) "
	    "with partial lengths");
	pgp_split_free(s);
	np = walk((unsigned char *)msg, len, p);
	if (!ok(np == NMEMBERS + 1, "--rfc2440: %d packets", np)) {
		walk_free(p, np);
		free(msg);
		return;
	}
	o = malloc(len + 64);
	for (k = 0, n = 0; k < np; k++) {
		w = put_old(o + n, p[k].tag, p[k].body, p[k].len, 0);
		n += w;
	}
	if (ok(pgp_split_parse(o, n, &s, &err) == 0, "old format throughout: "
	    "parsed: %s", err.text)) {
		pgp_split_data_info(s, &d);
		ok(!d.new_format && d.partials == 0 &&
		    d.len == d.body_len + 5 && d.body_len == p[np - 1].len &&
		    memcmp(o + d.off + 5, p[np - 1].body, d.body_len) == 0,
		    "old format: 4-octet length, the same encrypted bytes");
		pgp_split_free(s);
		check_copies("old format", o, n, true, true);
	}
	/* Indeterminate length (type 3) on the data: refused. */
	n -= w;
	o[n++] = 0x80 | p[np - 1].tag << 2 | 3;
	memcpy(o + n, p[np - 1].body, p[np - 1].len);
	n += p[np - 1].len;
	ok(pgp_split_parse(o, n, &s, &err) == -1 &&
	    strstr(err.text, "indeterminate") != NULL, "indeterminate length "
	    "refused: %s", err.text);
	free(o);
	walk_free(p, np);
	free(msg);
}

static void
test_truncated(const char *msg, size_t len)
{
	struct pgp_split *s = NULL;
	struct pd_err err = { 0 };
	char *more;
	size_t n, bad = 0;

	for (n = 0; n < len; n++) {
		if (pgp_split_parse(msg, n, &s, &err) == 0 ||
		    err.status != PD_REFUSED) {
			if (bad++ == 0)
				diag("prefix of %zu bytes not refused", n);
			pgp_split_free(s);
		}
	}
	ok(bad == 0, "every one of the %zu proper prefixes is refused", len);
	ok(pgp_split_parse(msg, 100, &s, &err) == -1 &&
	    strstr(err.text, "offset ") != NULL, "with an offset: %s",
	    err.text);
	more = malloc(len + 3);
	memcpy(more, msg, len);
	memcpy(more + len, "xyz", 3);
	ok(pgp_split_parse(more, len + 3, &s, &err) == -1 &&
	    strstr(err.text, "3 bytes after") != NULL,
	    "trailing garbage refused: %s", err.text);
	ok(pgp_split_parse(more, 0, &s, &err) == -1 && s == NULL,
	    "empty input refused: %s", err.text);
	free(more);
}

/* gpg's message made with the options (up to 4, then NULLs): refused. */
static void
test_refused(const char *name, const char *why, int nmembers, const char *o1,
    const char *o2, const char *o3, const char *o4)
{
	struct pgp_split *s = NULL;
	struct pd_err err = { 0 };
	char *msg;
	size_t len;

	if ((msg = encrypt_to(name, nmembers, &len, o1, o2, o3, o4,
	    NULL)) == NULL) {
		ok(0, "%s: gpg could not make the message", name);
		return;
	}
	ok(pgp_split_parse(msg, len, &s, &err) == -1 && s == NULL &&
	    err.status == PD_REFUSED && strstr(err.text, why) != NULL,
	    "%s refused: %s", name, err.text);
	free(msg);
}

static void
test_keyids(const char *msg, size_t len)
{
	struct pgp_split *s = NULL;
	struct pd_err err = { 0 };
	char lower[17], *copy;
	size_t clen, i;

	if (pgp_split_parse(msg, len, &s, &err) == -1)
		return;
	ok(pgp_split_copy(s, "0123456789ABCDEF", &copy, &clen, &err) == -1 &&
	    copy == NULL && err.status == PD_REFUSED &&
	    strstr(err.text, "not encrypted to") != NULL,
	    "a key ID not present refused: %s", err.text);
	ok(pgp_split_copy(s, "0123456789ABCDE", &copy, &clen, &err) == -1 &&
	    pgp_split_copy(s, "0123456789ABCDEF0", &copy, &clen, &err) == -1 &&
	    pgp_split_copy(s, "0123456789ABCDEG", &copy, &clen, &err) == -1 &&
	    strstr(err.text, "not a key ID") != NULL,
	    "malformed key IDs refused: %s", err.text);
	for (i = 0; i < 17; i++)
		lower[i] = (char)(subkey[1][i] >= 'A' ? subkey[1][i] + 32 :
		    subkey[1][i]);
	ok(pgp_split_copy(s, lower, &copy, &clen, &err) == 0,
	    "lower-case key ID %s found", lower);
	free(copy);
	ok(pgp_split_has(s, lower) && pgp_split_has(s, subkey[3]) &&
	    !pgp_split_has(s, "0123456789ABCDEF") &&
	    !pgp_split_has(s, "0123456789abcde"), "pgp_split_has");
	ok(pgp_split_keyid(s, NMEMBERS) == NULL, "key ID past the count: NULL");
	pgp_split_free(s);
}

/* A crafted message: prefix then a data packet of tag with body byte 0 v. */
static int
crafted(const unsigned char *pk, size_t pklen, int tag, int v,
    const char *keyid)
{
	unsigned char m[512], body[64];
	struct pgp_split *s = NULL;
	struct pd_err err = { 0 };
	size_t n;
	int rc;

	memset(body, 0xa5, sizeof body);
	body[0] = v;
	memcpy(m, pk, pklen);
	n = pklen + put_new(m + pklen, tag, body, sizeof body, 0);
	rc = pgp_split_parse(m, n, &s, &err);
	if (rc == 0 && keyid != NULL && strcmp(pgp_split_keyid(s, 0), keyid))
		rc = -2;
	if (rc != 0)
		diag("crafted: %s", err.text);
	pgp_split_free(s);
	return rc;
}

/* v6 PKESKs (RFC 9580), crafted: gpg 2.2 writes none. */
static void
test_v6(struct tpkt *p)
{
	unsigned char pk[256], b[64], v3[256];
	size_t n, n3, i;

	b[0] = 6;
	b[1] = 21;
	b[2] = 4;
	for (i = 0; i < 20; i++)
		b[3 + i] = (unsigned char)(0x10 + i);
	b[23] = 18;
	memset(b + 24, 0x5a, 20);
	n = put_new(pk, 1, b, 44, 0);
	ok(crafted(pk, n, 18, 2, "1C1D1E1F20212223") == 0,
	    "v6 PKESK for a v4 key: key ID from the fingerprint's end");
	ok(crafted(pk, n, 18, 1, NULL) == -1, "v6 PKESK before SEIPD v1 "
	    "refused");
	b[1] = 33;
	b[2] = 6;
	for (i = 0; i < 32; i++)
		b[3 + i] = (unsigned char)(0x40 + i);
	b[35] = 25;
	n = put_new(pk, 1, b, 56, 0);
	ok(crafted(pk, n, 18, 2, "4041424344454647") == 0,
	    "v6 PKESK for a v6 key: key ID from the fingerprint's start");
	b[1] = 0;
	n = put_new(pk, 1, b, 20, 0);
	ok(crafted(pk, n, 18, 2, NULL) == -1, "v6 PKESK, anonymous "
	    "recipient, refused");
	n3 = put_new(v3, 1, p[0].body, p[0].len, 0);
	b[1] = 33;
	n = put_new(pk, 1, b, 56, 0);
	memcpy(pk + n, v3, n3);
	ok(crafted(pk, n + n3, 18, 2, NULL) == -1, "v6 and v3 PKESKs mixed "
	    "refused");
	ok(crafted(v3, n3, 18, 2, NULL) == -1, "v3 PKESK before SEIPD v2 "
	    "refused");
	ok(crafted(v3, n3, 20, 1, NULL) == 0, "v3 PKESK before AEAD (tag 20) "
	    "accepted");
	ok(crafted(v3, n3, 18, 3, NULL) == -1, "SEIPD v3 refused");
	ok(crafted(v3, n3, 11, 0, NULL) == -1, "a literal packet refused");
	ok(crafted(v3, n3, 9, 0x42, NULL) == 0, "SED (tag 9) accepted");
}

/* ---- armor -------------------------------------------------------------- */

/* pgp_armor's text read back by gpg --dearmor, and by pgp_dearmor. */
static void
test_armor_gpg(void)
{
	static const size_t lens[] = { 1, 2, 3, 4, 47, 48, 49, 50, 1000,
	    PAYLOAD_LEN };
	struct pd_err err = { 0 };
	char *text, *back;
	void *bin;
	size_t i, tl, bl, good = 0, mine = 0;

	for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		if (pgp_armor(payload, lens[i], i % 2 ? "SIGNATURE" : "MESSAGE",
		    &text, &tl, &err) == -1)
			continue;
		if (write_all(path("armored"), text, tl) &&
		    gpg(sender, path("armored"), path("dearmored"), "--dearmor",
		    NULL) == 0 &&
		    (back = slurp(path("dearmored"), &bl)) != NULL) {
			good += bl == lens[i] && memcmp(back, payload, bl) == 0;
			free(back);
		}
		if (pgp_dearmor(text, tl, &bin, &bl, &err) == 0) {
			mine += bl == lens[i] && memcmp(bin, payload, bl) == 0;
			free(bin);
		}
		free(text);
	}
	ok(good == i, "gpg --dearmor reads pgp_armor's text back identically "
	    "(%zu of %zu lengths)", good, i);
	ok(mine == i, "pgp_dearmor reads it back too (%zu of %zu)", mine, i);
	ok(pgp_armor(payload, 0, "MESSAGE", &text, &tl, &err) == -1,
	    "nothing to armor: refused");
	ok(pgp_armor(payload, 10, "SIGNED MESSAGE", &text, &tl, &err) == -1 &&
	    text == NULL, "an unknown armor type: refused");
}

/* gpg's own armor (messages, keys, signatures) through pgp_dearmor. */
static bool
same_as_gpg(const char *armored, const char *binary)
{
	char *text, *bin;
	size_t tl, bl, ol;
	struct pd_err err = { 0 };
	void *out = NULL;
	bool same;

	if ((text = slurp(armored, &tl)) == NULL ||
	    (bin = slurp(binary, &bl)) == NULL) {
		free(text);
		return false;
	}
	same = pgp_dearmor(text, tl, &out, &ol, &err) == 0 && ol == bl &&
	    memcmp(out, bin, bl) == 0;
	if (!same)
		diag("pgp_dearmor: %s", err.text);
	free(out);
	free(text);
	free(bin);
	return same;
}

static void
test_dearmor_gpg(void)
{
	ok(gpg(sender, NULL, path("key.asc"), "--armor", "--export",
	    NULL) == 0 &&
	    gpg(sender, NULL, path("key.bin"), "--export", NULL) == 0 &&
	    same_as_gpg(path("key.asc"), path("key.bin")),
	    "a PUBLIC KEY BLOCK from gpg --armor --export");
	ok(gpg(sender, path("payload"), path("sig.asc"), "--armor",
	    "--detach-sign", NULL) == 0 && gpg(sender, path("sig.asc"),
	    path("sig.bin"), "--dearmor", NULL) == 0 &&
	    same_as_gpg(path("sig.asc"), path("sig.bin")),
	    "a SIGNATURE from gpg --armor --detach-sign, as gpg --dearmor");
}

/* Damaged and odd armor around text, a good armored message. */
static void
test_dearmor_damage(const char *text, size_t len)
{
	struct pd_err err = { 0 };
	char *t = malloc(2 * len + 64), *c, *crc;
	void *bin;
	size_t bl, n, i, bad = 0;

	memcpy(t, text, len + 1);
	crc = strstr(t, "\n=") + 2;
	crc[0] = crc[0] == 'A' ? 'B' : 'A';
	ok(pgp_dearmor(t, len, &bin, &bl, &err) == -1 &&
	    strstr(err.text, "CRC24 mismatch") != NULL, "a wrong CRC24 is "
	    "refused: %s", err.text);
	memcpy(t, text, len + 1);
	t[100] = t[100] == 'A' ? 'B' : 'A';
	ok(pgp_dearmor(t, len, &bin, &bl, &err) == -1 &&
	    strstr(err.text, "CRC24") != NULL, "a changed data character: "
	    "CRC24 mismatch");
	memcpy(t, text, len + 1);
	t[100] = '!';
	ok(pgp_dearmor(t, len, &bin, &bl, &err) == -1 && strstr(err.text,
	    "radix-64") != NULL, "a bad character refused: %s", err.text);
	/* Without the CRC line: accepted. */
	memcpy(t, text, len + 1);
	crc = strstr(t, "\n=") + 1;
	memmove(crc, crc + 6, strlen(crc + 6) + 1);
	ok(pgp_dearmor(t, strlen(t), &bin, &bl, &err) == 0,
	    "no CRC24 line: accepted");
	free(bin);
	/* CRLF line ends, a header, text around. */
	n = (size_t)sprintf(t, "preamble\r\n");
	for (c = (char *)text; *c != '\0'; c++) {
		if (*c == '\n')
			t[n++] = '\r';
		t[n++] = *c;
		if (c - text == 27)
			n += (size_t)sprintf(t + n, "Version: x\r\n");
	}
	n += (size_t)sprintf(t + n, "after\r\n");
	err.text[0] = '\0';
	ok(pgp_dearmor(t, n, &bin, &bl, &err) == 0, "CRLF, a header, text "
	    "around: accepted: %s", err.text);
	free(bin);
	for (i = 0; i + 1 < len; i += i < 300 || i + 300 > len ? 1 : 97)
		if (pgp_dearmor(text, i, &bin, &bl, &err) == 0) {
			if (bad++ == 0)
				diag("armor cut to %zu bytes accepted", i);
			free(bin);
		}
	ok(bad == 0, "armor cut before the END line's end (every offset near "
	    "the ends, every 97th between): refused");
	memcpy(t, "-----BEGIN PGP SIGNED MESSAGE-----\n", 36);
	ok(pgp_dearmor(t, 35, &bin, &bl, &err) == -1, "a cleartext signature "
	    "refused: %s", err.text);
	free(t);
}

/* ---- main --------------------------------------------------------------- */

static void
test_messages(void)
{
	struct tpkt p[MAX_PKTS];
	char *msg, *asc, *ref;
	void *bin = NULL;
	size_t len, alen, blen, rlen = 0;
	struct pd_err err = { 0 };
	int np;

	msg = encrypt_to("msg.gpg", NMEMBERS, &len, "-se", NULL);
	if (msg == NULL) {
		ok(0, "gpg signs and encrypts to %d members", NMEMBERS);
		return;
	}
	np = walk((unsigned char *)msg, len, p);
	test_binary(msg, len, p, np);
	if (np == NMEMBERS + 1) {
		test_framings(p, np);
		test_v6(p);
	}
	test_sed();
	test_truncated(msg, len);
	test_keyids(msg, len);
	walk_free(p, np);
	free(msg);

	if ((asc = encrypt_to("msg.asc", NMEMBERS, &alen, "-se", "--armor",
	    NULL)) == NULL) {
		ok(0, "gpg --armor signs and encrypts");
		return;
	}
	ref = NULL;
	ok(gpg(sender, path("msg.asc"), path("msg.bin"), "--dearmor",
	    NULL) == 0 && (ref = slurp(path("msg.bin"), &rlen)) != NULL,
	    "gpg --dearmor");
	if (ok(pgp_dearmor(asc, alen, &bin, &blen, &err) == 0, "pgp_dearmor: "
	    "%s", err.text)) {
		ok(ref != NULL && blen == rlen && memcmp(bin, ref, rlen) == 0,
		    "pgp_dearmor gives what gpg --dearmor gives");
		check_copies("armored", bin, blen, true, false);
	}
	test_dearmor_damage(asc, alen);
	free(bin);
	free(ref);
	free(asc);
}

/*
 * Shards (pgpshards.h): two messages to disjoint members packed together,
 * each member's copy cut from its own shard; one message packed is itself;
 * a key ID in two shards and a cut blob are refused.
 */
/* A member's copy from shards: its parts, joined as they go on the wire. */
static int
shard_copy(const struct pgp_shards *s, const char *keyid, char **out,
    size_t *len, struct pd_err *err)
{
	struct pgp_copy c;

	if (pgp_shards_copy_parts(s, keyid, &c, err) == -1)
		return -1;
	*len = c.head_len + c.tail_len + c.end_len;
	if ((*out = malloc(*len + 1)) != NULL) {
		memcpy(*out, c.head, c.head_len);
		memcpy(*out + c.head_len, c.tail, c.tail_len);
		memcpy(*out + c.head_len + c.tail_len, c.end, c.end_len + 1);
	}
	pgp_copy_clear(&c);
	return *out != NULL ? 0 : pd_fail(err, PD_FAIL, "out of memory");
}

static void
test_shards(void)
{
	char *m[2], *blob = NULL, *copy = NULL;
	size_t len[2], blen = 0, clen = 0;
	struct pgp_shards *s = NULL;
	struct pd_err err = { 0 };
	int i;

	m[0] = encrypt_to("shard1.gpg", 2, &len[0], "-se", NULL);
	m[1] = encrypt_to("shard2.gpg", 0, &len[1], "-se", "-r",
	    "m3@test.example", "-r", "m4@test.example", NULL);
	if (m[0] == NULL || m[1] == NULL) {
		ok(0, "shards: gpg encrypts the two shards");
		free(m[0]);
		free(m[1]);
		return;
	}
	ok(pgp_shards_pack(m, len, 2, &blob, &blen, &err) == 0 &&
	    pgp_shards_parse(blob, blen, &s, &err) == 0,
	    "shards: two shards packed and parsed (%s)", err.text);
	ok(s != NULL && pgp_shards_count(s) == 4, "shards: 4 PKESKs in all");
	for (i = 0; s != NULL && i < NMEMBERS; i++) {
		ok(shard_copy(s, subkey[i], &copy, &clen, &err) == 0 &&
		    decrypts(home[i], copy, clen, false),
		    "shards: m%d's copy, from shard %d, decrypts", i + 1,
		    i / 2 + 1);
		free(copy);
		copy = NULL;
	}
	pgp_shards_free(s);
	s = NULL;
	ok(pgp_shards_parse(blob, blen - 7, &s, &err) == -1 &&
	    err.status == PD_REFUSED, "shards: a cut blob is refused (%s)",
	    err.text);
	free(blob);
	free(m[1]);
	m[1] = m[0];
	len[1] = len[0];
	ok(pgp_shards_pack(m, len, 2, &blob, &blen, &err) == 0 &&
	    pgp_shards_parse(blob, blen, &s, &err) == -1 &&
	    strstr(err.text, "in shards 1 and 2") != NULL,
	    "shards: a key ID in two shards is refused (%s)", err.text);
	free(blob);
	ok(pgp_shards_pack(m, len, 1, &blob, &blen, &err) == 0 &&
	    blen == len[0] && memcmp(blob, m[0], blen) == 0,
	    "shards: one shard is packed as the plain message");
	free(blob);
	free(m[0]);
}

int
main(void)
{
	char *log;
	size_t len;
	int i, fd;

	if (mkdtemp(dir) == NULL)
		skip_all("mkdtemp failed");
	if (!setup()) {
		if ((log = slurp(path("gpg.log"), &len)) != NULL)
			diag("gpg says: %.400s", log);
		free(log);
		stop_agent(sender);
		for (i = 0; i < NMEMBERS; i++)
			if (home[i][0] != '\0')
				stop_agent(home[i]);
		rm_tree(dir);
		skip_all("gpg cannot make keys here");
	}
	payload = malloc(PAYLOAD_LEN);
	if ((fd = open("/dev/urandom", O_RDONLY)) == -1 ||
	    read(fd, payload, PAYLOAD_LEN) != PAYLOAD_LEN)
		return 1;
	close(fd);
	test_messages();
	test_refused("throw-keyids", "wildcard", NMEMBERS, "-e",
	    "--throw-keyids", NULL, NULL);
	test_refused("hidden recipient", "wildcard", NMEMBERS - 1, "-e",
	    "--hidden-recipient=m4@test.example", NULL, NULL);
	test_refused("symmetric only", "symmetric", 0, "--passphrase", "sym",
	    "-c", NULL);
	test_refused("symmetric and public-key", "symmetric", NMEMBERS,
	    "--passphrase", "sym", "-c", "-e");
	test_armor_gpg();
	test_dearmor_gpg();
	test_shards();
	stop_agent(sender);
	for (i = 0; i < NMEMBERS; i++)
		stop_agent(home[i]);
	free(payload);
	if (getenv("PDLIST_KEEP") == NULL)
		rm_tree(dir);
	return done_testing();
}
