/* listd/conf.c: see conf.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <confuse.h>

#include "common/cfread.h"
#include "keys/keys.h"
#include "listd/conf.h"

static int
positive(cfg_t *cfg, cfg_opt_t *opt)
{
	if (cfg_opt_getnint(opt, 0) <= 0) {
		cfg_error(cfg, "%s must be a positive number", opt->name);
		return -1;
	}
	return 0;
}

static int
listen_addr(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);

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
	CFG_STR("datadir", PDLIST_STATEDIR "/lib/pdlist", CFGF_NONE),
	CFG_STR("policy-dir", PDLIST_POLICYDIR, CFGF_NONE),
	CFG_STR("lmtp-listen", "unix:/run/pdlist/lmtp.sock", CFGF_NONE),
	CFG_STR("smtp-url", "smtp://127.0.0.1:25", CFGF_NONE),
	CFG_BOOL("smtp-starttls", cfg_false, CFGF_NONE),
	CFG_INT("workers", 4, CFGF_NONE),
	CFG_INT("retry-first", 60, CFGF_NONE),	/* seconds; doubles */
	CFG_INT("store-map-size", 4096, CFGF_NONE),	/* MiB */
	CFG_BOOL("verbose", cfg_false, CFGF_NONE),
	/* bounds on gpg, for every message (keys.h) */
	CFG_INT("gpg-timeout", KEYS_DEFAULT_TIMEOUT, CFGF_NONE),	/* s */
	CFG_INT("unpack-factor", KEYS_DEFAULT_PLAIN_FACTOR, CFGF_NONE),
	CFG_INT("process-attempts", 8, CFGF_NONE),
	CFG_END()
};

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

int
conf_load(const char *path, struct conf **out, struct pd_err *err)
{
	cfg_t *cfg;
	struct conf *c = NULL;
	int ret = -1;

	*out = NULL;
	if (path == NULL && access(CONF_DEFAULT_PATH, F_OK) == 0)
		path = CONF_DEFAULT_PATH;
	cfread_reset();
	if ((cfg = cfread_init((cfg_opt_t *)opts,
	    path ? path : "listd.conf")) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	cfg_set_validate_func(cfg, "workers", positive);
	cfg_set_validate_func(cfg, "retry-first", positive);
	cfg_set_validate_func(cfg, "store-map-size", positive);
	cfg_set_validate_func(cfg, "gpg-timeout", positive);
	cfg_set_validate_func(cfg, "unpack-factor", positive);
	cfg_set_validate_func(cfg, "process-attempts", positive);
	cfg_set_validate_func(cfg, "lmtp-listen", listen_addr);
	if (path != NULL && cfread_parse(cfg, path) == -1) {
		pd_fail(err, PD_REFUSED, "%s", cfread_error());
		goto out;
	}
	if ((c = calloc(1, sizeof *c)) == NULL) {
		pd_fail(err, PD_FAIL, "out of memory");
		goto out;
	}
	c->path = dup_or_null(path);
	c->datadir = dup_or_null(cfg_getstr(cfg, "datadir"));
	c->policy_dir = dup_or_null(cfg_getstr(cfg, "policy-dir"));
	c->lmtp_listen = dup_or_null(cfg_getstr(cfg, "lmtp-listen"));
	c->smtp_url = dup_or_null(cfg_getstr(cfg, "smtp-url"));
	c->smtp_starttls = cfg_getbool(cfg, "smtp-starttls");
	c->workers = (unsigned)cfg_getint(cfg, "workers");
	c->retry_first = (unsigned)cfg_getint(cfg, "retry-first");
	c->store_map_mib = (unsigned long)cfg_getint(cfg, "store-map-size");
	c->verbose = cfg_getbool(cfg, "verbose");
	c->gpg_timeout = (unsigned)cfg_getint(cfg, "gpg-timeout");
	c->unpack_factor = (unsigned)cfg_getint(cfg, "unpack-factor");
	c->process_attempts = (unsigned)cfg_getint(cfg, "process-attempts");
	if ((path != NULL && c->path == NULL) || c->datadir == NULL ||
	    c->policy_dir == NULL || c->lmtp_listen == NULL || c->smtp_url == NULL) {
		pd_fail(err, PD_FAIL, "out of memory");
		goto out;
	}
	if (c->datadir[0] != '/') {
		pd_fail(err, PD_REFUSED, "%s: datadir '%s' must be an absolute "
		    "path", path ? path : "listd.conf", c->datadir);
		goto out;
	}
	*out = c;
	c = NULL;
	ret = 0;
out:
	conf_free(c);
	cfread_free(cfg);
	return ret;
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
	free(c);
}

long
conf_retry_delay(const struct conf *c, int attempts)
{
	long delay = (long)c->retry_first << (attempts < 12 ?
	    (attempts > 1 ? attempts - 1 : 0) : 11);

	return delay < 6 * 3600 ? delay : 6 * 3600;
}
