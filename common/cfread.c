/* common/cfread.c: see cfread.h. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cfread.h"
#include "common/util.h"

static __thread char errbuf[512];

/*
 * libconfuse's lexer keeps global state, used by cfg_init() (list defaults
 * are parsed), cfg_parse*() and cfg_free(): one configuration at a time,
 * from cfread_init() to cfread_free().
 */
static pthread_mutex_t confuse_lock = PTHREAD_MUTEX_INITIALIZER;

void
cfread_reset(void)
{
	errbuf[0] = '\0';
}

const char *
cfread_error(void)
{
	return errbuf;
}

/* Control characters would break the one-line error. */
static void
one_line(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* Keeps the first error: "PATH:LINE: MSG", or "PATH: MSG" for line 0. */
static void
set_errv(const char *path, int line, const char *prefix, const char *fmt,
    va_list ap)
{
	char msg[384];

	if (errbuf[0] != '\0')
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line > 0)
		snprintf(errbuf, sizeof(errbuf), "%s:%d: %s%s", path, line,
		    prefix, msg);
	else
		snprintf(errbuf, sizeof(errbuf), "%s: %s%s", path, prefix, msg);
	one_line(errbuf);
}

void
cfread_set_err(const char *path, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_errv(path, line, "", fmt, ap);
	va_end(ap);
}

/* libconfuse's error callback; errors inside a section name it. */
static void
conf_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char prefix[64] = "";

	if (cfg->name != NULL && strcmp(cfg->name, "root") != 0)
		snprintf(prefix, sizeof(prefix), "%s: ", cfg->name);
	set_errv(cfg->filename != NULL ? cfg->filename : "?", cfg->line,
	    prefix, fmt, ap);
}

cfg_t *
cfread_init(cfg_opt_t *opts, const char *path)
{
	cfg_t *cfg;

	pthread_mutex_lock(&confuse_lock);	/* until cfread_free() */
	if ((cfg = cfg_init(opts, CFGF_NONE)) == NULL) {
		pthread_mutex_unlock(&confuse_lock);
		return NULL;
	}
	cfg_set_error_function(cfg, conf_error);
	/* Errors name the path as given (cfg_parse() would expand ~). */
	if ((cfg->filename = strdup(path)) == NULL) {
		cfread_free(cfg);
		return NULL;
	}
	return cfg;
}

void
cfread_free(cfg_t *cfg)
{
	cfg_free(cfg);
	pthread_mutex_unlock(&confuse_lock);
}

enum lex { L_CODE, L_DQ, L_SQ, L_LINE, L_BLOCK };

static int
line_at(const char *buf, size_t i)
{
	int line = 1;

	while (i-- > 0)
		line += buf[i] == '\n';
	return line;
}

/* One character of blank_comments(); returns the new state, *ip advanced
 * past whatever else it consumed. */
static enum lex
lex_step(enum lex st, char *buf, size_t *ip, size_t len)
{
	size_t i = *ip;
	char c = buf[i], n = i + 1 < len ? buf[i + 1] : '\0';

	switch (st) {
	case L_CODE:
		if (c == '#' || (c == '/' && (n == '/' || n == '*'))) {
			buf[i] = ' ';
			if (c == '#' || n == '/')
				return L_LINE;
			buf[++*ip] = ' ';
			return L_BLOCK;
		}
		return c == '"' ? L_DQ : c == '\'' ? L_SQ : L_CODE;
	case L_LINE:
		if (c == '\n')
			return L_CODE;
		buf[i] = ' ';
		return L_LINE;
	case L_BLOCK:
		if (c == '*' && n == '/') {
			buf[i] = buf[++*ip] = ' ';
			return L_CODE;
		}
		if (c != '\n')
			buf[i] = ' ';
		return L_BLOCK;
	case L_DQ:
		if (c == '\\' && n != '\0')
			++*ip;
		return c == '"' ? L_CODE : L_DQ;
	case L_SQ:
		if (c == '\\' && (n == '\\' || n == '\''))
			++*ip;
		return c == '\'' ? L_CODE : L_SQ;
	}
	return st;
}

/*
 * Replaces comments with spaces, keeping newlines, so that libconfuse
 * neither sees nor miscounts them.  Refuses NUL bytes, ${VAR}, and a string
 * or comment left open.
 */
static int
blank_comments(const char *path, char *buf, size_t len)
{
	enum lex st = L_CODE;
	size_t i, start = 0;
	char *z;

	if ((z = memchr(buf, '\0', len)) != NULL) {
		cfread_set_err(path, line_at(buf, (size_t)(z - buf)), "NUL byte: not "
		    "a text file");
		return -1;
	}
	for (i = 0; i < len; i++) {
		if ((st == L_CODE || st == L_DQ) && buf[i] == '$' &&
		    i + 1 < len && buf[i + 1] == '{') {
			cfread_set_err(path, line_at(buf, i), "${...}: environment "
			    "variables are not expanded in a policy");
			return -1;
		}
		if (st == L_CODE)
			start = i;
		st = lex_step(st, buf, &i, len);
	}
	if (st == L_CODE || st == L_LINE)
		return 0;
	cfread_set_err(path, line_at(buf, start), "%s opened here is never closed",
	    st == L_BLOCK ? "comment" : "string");
	return -1;
}


int
cfread_parse(cfg_t *cfg, const char *path)
{
	struct pd_err err;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (read_file(path, CFREAD_MAX, &buf, &len, &err) == -1) {
		cfread_set_err(path, 0, "%s", err.text);
		return -1;
	}
	rc = cfread_parse_buf(cfg, path, buf, len);
	free(buf);
	return rc;
}

int
cfread_parse_buf(cfg_t *cfg, const char *path, const char *text, size_t len)
{
	FILE *fp;
	char *buf;
	int rc = -1;

	if (len > CFREAD_MAX) {
		cfread_set_err(path, 0, "larger than %d bytes", CFREAD_MAX);
		return -1;
	}
	if ((buf = malloc(len + 1)) == NULL) {
		cfread_set_err(path, 0, "out of memory");
		return -1;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (blank_comments(path, buf, len) == -1)
		goto out;
	if (len == 0) {
		rc = 0;
		goto out;
	}
	if ((fp = fmemopen(buf, len, "r")) == NULL) {
		cfread_set_err(path, 0, "%s", strerror(errno));
		goto out;
	}
	rc = cfg_parse_fp(cfg, fp) == CFG_SUCCESS ? 0 : -1;
	if (rc == -1)	/* kept only when libconfuse said nothing */
		cfread_set_err(path, 0, "cannot parse");
	fclose(fp);
out:
	free(buf);
	return rc;
}
