/* listd/conf.c: see conf.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <confuse.h>

#include "listd/conf.h"

static __thread char conf_errbuf[512];

static void
conf_errfunc(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[400];

	if (conf_errbuf[0] != '\0')
		return;		/* keep the first error */
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (cfg != NULL && cfg->filename != NULL && cfg->line > 0)
		snprintf(conf_errbuf, sizeof conf_errbuf, "%s:%d: %s",
		    cfg->filename, cfg->line, msg);
	else
		snprintf(conf_errbuf, sizeof conf_errbuf, "%s: %s",
		    cfg && cfg->filename ? cfg->filename : "listd.conf", msg);
}

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

static cfg_opt_t opts[] = {
	CFG_STR("datadir", PDLIST_STATEDIR "/lib/pdlist", CFGF_NONE),
	CFG_STR("policy-dir", PDLIST_POLICYDIR, CFGF_NONE),
	CFG_STR("lmtp-listen", "unix:/run/pdlist/lmtp.sock", CFGF_NONE),
	CFG_STR("smtp-url", "smtp://127.0.0.1:25", CFGF_NONE),
	CFG_INT("workers", 4, CFGF_NONE),
	CFG_INT("store-map-size", 4096, CFGF_NONE),	/* MiB */
	CFG_BOOL("verbose", cfg_false, CFGF_NONE),
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
	int rc, ret = -1;

	*out = NULL;
	if (path == NULL && access(CONF_DEFAULT_PATH, F_OK) == 0)
		path = CONF_DEFAULT_PATH;
	if ((cfg = cfg_init(opts, CFGF_NONE)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	cfg_set_error_function(cfg, conf_errfunc);
	cfg_set_validate_func(cfg, "workers", positive);
	cfg_set_validate_func(cfg, "store-map-size", positive);
	cfg_set_validate_func(cfg, "lmtp-listen", listen_addr);
	conf_errbuf[0] = '\0';
	if (path != NULL) {
		rc = cfg_parse(cfg, path);
		if (rc == CFG_FILE_ERROR) {
			pd_fail(err, PD_REFUSED, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (rc != CFG_SUCCESS) {
			pd_fail(err, PD_REFUSED, "%s", conf_errbuf[0] ?
			    conf_errbuf : "invalid configuration");
			goto out;
		}
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
	c->workers = (unsigned)cfg_getint(cfg, "workers");
	c->store_map_mib = (unsigned long)cfg_getint(cfg, "store-map-size");
	c->verbose = cfg_getbool(cfg, "verbose");
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
	cfg_free(cfg);
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
