/* listd/conf.c: see conf.h. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <confuse.h>

#include "common/cfread.h"
#include "common/owner.h"
#include "keys/keys.h"
#include "listd/conf.h"

#ifndef PDLIST_RUNSTATEDIR
#define PDLIST_RUNSTATEDIR	"/run"
#endif

/* Whether the number is from 1 to max; what says so in the error. */
static int
in_range(cfg_t *cfg, cfg_opt_t *opt, long max, const char *what)
{
	long v = cfg_opt_getnint(opt, 0);

	if (v >= 1 && v <= max)
		return 0;
	cfg_error(cfg, "%s must be %s", opt->name, what);
	return -1;
}

static int
positive(cfg_t *cfg, cfg_opt_t *opt)
{
	return in_range(cfg, opt, LONG_MAX, "a positive number");
}

/* A deadline: 1 second to a day. */
static int
seconds(cfg_t *cfg, cfg_opt_t *opt)
{
	return in_range(cfg, opt, 86400, "a number of seconds from 1 to 86400");
}

/* A path or a URL: no control characters, which would break log lines. */
static int
plain_text(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0), *p;

	for (p = v; p != NULL && *p != '\0'; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f) {
			cfg_error(cfg, "%s must not hold control characters",
			    opt->name);
			return -1;
		}
	return 0;
}

static int
listen_addr(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);

	if (plain_text(cfg, opt) == -1)
		return -1;
	if (v == NULL || (strncmp(v, "unix:/", 6) != 0 && strrchr(v, ':') == NULL)) {
		cfg_error(cfg, "lmtp-listen '%s': use unix:/PATH or HOST:PORT",
		    v ? v : "");
		return -1;
	}
	return 0;
}

/*
 * cfg_init() takes a non-const table but copies it (cfg_dupopt_array(),
 * libconfuse 2.3 and later); validators are set on the copy.  So the table
 * is const here and cast where it is handed over, as in policy/pol_load.c.
 */
static const cfg_opt_t opts[] = {
	CFG_STR("datadir", OWNER_SERVICE_DATADIR, CFGF_NONE),
	CFG_STR("policy-dir", PDLIST_POLICYDIR, CFGF_NONE),
	CFG_STR("lmtp-listen", "unix:" PDLIST_RUNSTATEDIR "/pdlist/lmtp.sock",
	    CFGF_NONE),
	CFG_STR("smtp-url", "smtp://127.0.0.1:25", CFGF_NONE),
	CFG_BOOL("smtp-starttls", cfg_false, CFGF_NONE),
	CFG_STR("smtp-helo", NULL, CFGF_NONE),
	CFG_STR("smtp-ca-file", NULL, CFGF_NONE),
	CFG_INT("workers", 8, CFGF_NONE),	/* make bench: 1, 4, 8, 16 */
	CFG_INT("retry-first", 60, CFGF_NONE),	/* seconds; doubles */
	CFG_INT("lmtp-idle-timeout", 300, CFGF_NONE),	/* seconds */
	CFG_INT("lmtp-transaction-timeout", 600, CFGF_NONE),
	CFG_INT("smtp-connect-timeout", 10, CFGF_NONE),
	CFG_INT("smtp-reply-timeout", 30, CFGF_NONE),
	CFG_INT("smtp-message-timeout", 300, CFGF_NONE),
	CFG_INT("store-map-size", 4096, CFGF_NONE),	/* MiB */
	CFG_BOOL("verbose", cfg_false, CFGF_NONE),
	/* bounds on gpg, for every message (keys.h) */
	CFG_INT("gpg-timeout", KEYS_DEFAULT_TIMEOUT, CFGF_NONE),	/* s */
	CFG_INT("unpack-factor", KEYS_DEFAULT_PLAIN_FACTOR, CFGF_NONE),
	CFG_INT("process-attempts", 8, CFGF_NONE),
	CFG_INT("encrypt-shard-size", 1000, CFGF_NONE),	/* recipients */
	/* oversize = hold: what intake still takes, then holds (MiB) */
	CFG_INT("max-held-size", 64, CFGF_NONE),
	/* member keys looked up over HTTPS (keyfetch.h) */
	CFG_BOOL("key-lookup-wkd", cfg_true, CFGF_NONE),
	CFG_STR_LIST("keyservers", "{https://keys.openpgp.org}", CFGF_NONE),
	CFG_INT("key-lookup-timeout", 20, CFGF_NONE),	/* seconds */
	CFG_INT("key-lookup-max-size", 1024, CFGF_NONE),	/* KiB */
	CFG_STR("key-lookup-connect-to", NULL, CFGF_NONE),	/* tests */
	CFG_STR("key-lookup-cafile", NULL, CFGF_NONE),		/* tests */
	CFG_END()
};

static const char *const timeouts[] = { "lmtp-idle-timeout",
    "lmtp-transaction-timeout", "smtp-connect-timeout", "smtp-reply-timeout",
    "smtp-message-timeout", "key-lookup-timeout" };

/* A keyserver: an https:// URL (lookups go over HTTPS only). */
static int
https_url(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, cfg_opt_size(opt) - 1);
	size_t i;

	for (i = 0; v != NULL && v[i] != '\0'; i++)
		if ((unsigned char)v[i] <= ' ' || v[i] == 0x7f)
			break;
	if (v != NULL && strncmp(v, "https://", 8) == 0 && v[8] != '\0' &&
	    v[i] == '\0')
		return 0;
	cfg_error(cfg, "keyservers: '%s' is not an https:// URL: key lookups "
	    "go over HTTPS only (e.g. https://keys.openpgp.org)", v ? v : "");
	return -1;
}

/* The size cap on one lookup: 1 KiB to 64 MiB. */
static int
kib(cfg_t *cfg, cfg_opt_t *opt)
{
	return in_range(cfg, opt, 65536, "a number of KiB from 1 to 65536");
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* A configuration to parse into, its errors naming name; NULL: no memory. */
static cfg_t *
new_cfg(const char *name)
{
	cfg_t *cfg;
	size_t i;

	if ((cfg = cfread_init((cfg_opt_t *)opts, name)) == NULL)
		return NULL;
	cfg_set_validate_func(cfg, "workers", positive);
	cfg_set_validate_func(cfg, "retry-first", positive);
	cfg_set_validate_func(cfg, "store-map-size", positive);
	for (i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++)
		cfg_set_validate_func(cfg, timeouts[i], seconds);
	cfg_set_validate_func(cfg, "gpg-timeout", positive);
	cfg_set_validate_func(cfg, "unpack-factor", positive);
	cfg_set_validate_func(cfg, "process-attempts", positive);
	cfg_set_validate_func(cfg, "encrypt-shard-size", positive);
	cfg_set_validate_func(cfg, "max-held-size", positive);
	cfg_set_validate_func(cfg, "lmtp-listen", listen_addr);
	cfg_set_validate_func(cfg, "datadir", plain_text);
	cfg_set_validate_func(cfg, "policy-dir", plain_text);
	cfg_set_validate_func(cfg, "smtp-url", plain_text);
	cfg_set_validate_func(cfg, "smtp-helo", plain_text);
	cfg_set_validate_func(cfg, "smtp-ca-file", plain_text);
	cfg_set_validate_func(cfg, "keyservers", https_url);
	cfg_set_validate_func(cfg, "key-lookup-max-size", kib);
	cfg_set_validate_func(cfg, "key-lookup-connect-to", plain_text);
	cfg_set_validate_func(cfg, "key-lookup-cafile", plain_text);
	return cfg;
}

/* The key lookup settings; -1 when out of memory. */
static int
keyfetch_conf(cfg_t *cfg, struct conf *c)
{
	size_t i, n = cfg_size(cfg, "keyservers");

	c->key_lookup_wkd = cfg_getbool(cfg, "key-lookup-wkd");
	c->key_lookup_timeout = (unsigned)cfg_getint(cfg, "key-lookup-timeout");
	c->key_lookup_max = (size_t)cfg_getint(cfg, "key-lookup-max-size") *
	    1024;
	c->key_lookup_connect_to = dup_or_null(cfg_getstr(cfg,
	    "key-lookup-connect-to"));
	c->key_lookup_cafile = dup_or_null(cfg_getstr(cfg,
	    "key-lookup-cafile"));
	if ((c->keyservers = calloc(n + 1, sizeof *c->keyservers)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if ((c->keyservers[c->nkeyservers++] = strdup(cfg_getnstr(cfg,
		    "keyservers", i))) == NULL)
			return -1;
	return 0;
}

/* The values of a parsed cfg copied out; NULL and err when one is wrong. */
static struct conf *
from_cfg(cfg_t *cfg, const char *path, struct pd_err *err)
{
	struct conf *c;

	if ((c = calloc(1, sizeof *c)) == NULL) {
		pd_fail(err, PD_FAIL, "out of memory");
		return NULL;
	}
	c->path = dup_or_null(path);
	c->datadir = dup_or_null(cfg_getstr(cfg, "datadir"));
	c->policy_dir = dup_or_null(cfg_getstr(cfg, "policy-dir"));
	c->lmtp_listen = dup_or_null(cfg_getstr(cfg, "lmtp-listen"));
	c->smtp_url = dup_or_null(cfg_getstr(cfg, "smtp-url"));
	c->smtp_starttls = cfg_getbool(cfg, "smtp-starttls");
	c->smtp_helo = dup_or_null(cfg_getstr(cfg, "smtp-helo"));
	c->smtp_ca_file = dup_or_null(cfg_getstr(cfg, "smtp-ca-file"));
	c->workers = (unsigned)cfg_getint(cfg, "workers");
	c->retry_first = (unsigned)cfg_getint(cfg, "retry-first");
	c->lmtp_idle_timeout = (unsigned)cfg_getint(cfg, "lmtp-idle-timeout");
	c->lmtp_txn_timeout = (unsigned)cfg_getint(cfg,
	    "lmtp-transaction-timeout");
	c->smtp_connect_timeout = (unsigned)cfg_getint(cfg,
	    "smtp-connect-timeout");
	c->smtp_reply_timeout = (unsigned)cfg_getint(cfg, "smtp-reply-timeout");
	c->smtp_message_timeout = (unsigned)cfg_getint(cfg,
	    "smtp-message-timeout");
	c->store_map_mib = (unsigned long)cfg_getint(cfg, "store-map-size");
	c->verbose = cfg_getbool(cfg, "verbose");
	c->gpg_timeout = (unsigned)cfg_getint(cfg, "gpg-timeout");
	c->unpack_factor = (unsigned)cfg_getint(cfg, "unpack-factor");
	c->process_attempts = (unsigned)cfg_getint(cfg, "process-attempts");
	c->encrypt_shard_size = (unsigned)cfg_getint(cfg, "encrypt-shard-size");
	c->max_held_size = (unsigned long)cfg_getint(cfg, "max-held-size") *
	    1024 * 1024;
	if (keyfetch_conf(cfg, c) == -1 ||
	    (path != NULL && c->path == NULL) || c->datadir == NULL ||
	    c->policy_dir == NULL || c->lmtp_listen == NULL || c->smtp_url == NULL)
		pd_fail(err, PD_FAIL, "out of memory");
	else if (c->datadir[0] != '/')
		pd_fail(err, PD_REFUSED, "%s: datadir '%s' must be an absolute "
		    "path", path ? path : "listd.conf", c->datadir);
	else
		return c;
	conf_free(c);
	return NULL;
}

/* From the file at path (NULL: the defaults), or from text when not NULL. */
static int
load(const char *path, const char *text, size_t len, struct conf **out,
    struct pd_err *err)
{
	cfg_t *cfg;
	int rc;

	*out = NULL;
	cfread_reset();
	if ((cfg = new_cfg(path ? path : "listd.conf")) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	if (text != NULL)
		rc = cfread_parse_buf(cfg, path ? path : "listd.conf", text,
		    len);
	else
		rc = path != NULL ? cfread_parse(cfg, path) : 0;
	if (rc == -1)
		pd_fail(err, PD_REFUSED, "%s", cfread_error());
	else if ((*out = from_cfg(cfg, path, err)) == NULL)
		rc = -1;
	cfread_free(cfg);
	return rc;
}

int
conf_load(const char *path, struct conf **out, struct pd_err *err)
{
	if (path == NULL && access(CONF_DEFAULT_PATH, F_OK) == 0)
		path = CONF_DEFAULT_PATH;
	return load(path, NULL, 0, out, err);
}

int
conf_load_text(const char *name, const char *text, size_t len,
    struct conf **out, struct pd_err *err)
{
	return load(name, text, len, out, err);
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->datadir);
	free(c->policy_dir);
	free(c->lmtp_listen);
	free(c->smtp_url);
	free(c->smtp_helo);
	free(c->smtp_ca_file);
	for (size_t i = 0; i < c->nkeyservers; i++)
		free(c->keyservers[i]);
	free(c->keyservers);
	free(c->key_lookup_connect_to);
	free(c->key_lookup_cafile);
	free(c);
}

long
conf_retry_delay(const struct conf *c, int attempts)
{
	long delay = (long)c->retry_first << (attempts < 12 ?
	    (attempts > 1 ? attempts - 1 : 0) : 11);

	return delay < 6 * 3600 ? delay : 6 * 3600;
}
