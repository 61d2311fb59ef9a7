/* listd/start.c: see start.h. */
#include <errno.h>
#include <stddef.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/owner.h"
#include "listd/list.h"
#include "listd/lmtp.h"
#include "listd/smtp.h"
#include "listd/start.h"
#include "listd/store.h"

/* The folder of a unix socket: there, a folder, ours to write in. */
static int
socket_folder(const char *listen, struct pd_err *err)
{
	char path[4096], *dir;
	struct stat sb;

	if (strncmp(listen, "unix:", 5) != 0)
		return 0;
	snprintf(path, sizeof path, "%s", listen + 5);
	dir = dirname(path);
	if (stat(dir, &sb) == -1)
		return pd_fail(err, PD_REFUSED, "lmtp-listen %s: the folder %s "
		    "%s: create it for listd's user and the MTA's group "
		    "(install -d -o pdlist -g postfix -m 2750 %s, or the "
		    "unit's RuntimeDirectory); see pdlist-mta(7)", listen, dir,
		    errno == ENOENT ? "does not exist" : strerror(errno), dir);
	if (!S_ISDIR(sb.st_mode))
		return pd_fail(err, PD_REFUSED, "lmtp-listen %s: %s is not a "
		    "folder", listen, dir);
	if (access(dir, W_OK | X_OK) == -1)
		return pd_fail(err, PD_REFUSED, "lmtp-listen %s: listd may not "
		    "create its socket in %s (%s): make the folder listd's "
		    "user's", listen, dir, strerror(errno));
	return 0;
}

/* smtp-url, smtp-starttls and smtp-ca-file: what open_relay() takes. */
static int
smtp_relay(const struct conf *conf, struct pd_err *err)
{
	struct smtp_conn *c;
	int rc;

	if (smtp_open(conf->smtp_url, conf->smtp_starttls, "localhost", &c,
	    err) == -1)
		return -1;
	rc = smtp_set_ca_file(c, conf->smtp_ca_file, err);
	smtp_close(c);
	return rc;
}

int
start_prepare(const struct conf *conf, int flags, struct pd_err *err)
{
	struct owner o;
	char path[4096];

	if (owner_check(conf->datadir, "listd", &o, err) == -1)
		return -1;
	if ((!(flags & START_CHECK_ONLY) || o.exists) &&
	    owner_take(conf->datadir, &o, err) == -1)
		return -1;
	if (o.exists && owner_stray(conf->datadir, &o, path, sizeof path) > 0)
		return pd_fail(err, PD_REFUSED, "%s is not %s's, the owner of "
		    "datadir %s: give it back: chown -R %s: %s", path, o.name,
		    conf->datadir, o.name, conf->datadir);
	if ((flags & START_LISTEN) &&
	    (lmtp_check_listen(conf->lmtp_listen, err) == -1 ||
	    socket_folder(conf->lmtp_listen, err) == -1))
		return -1;
	return smtp_relay(conf, err);
}

static int
add_name(const char *key, json_t *value, void *arg)
{
	(void)value;
	return json_array_append_new(arg, json_string(key));
}

unsigned
start_check_lists(const struct conf *conf)
{
	struct pd_err err = { 0 };
	struct store_txn *t;
	struct store *st = NULL;
	struct list *l;
	json_t *names, *n;
	unsigned bad = 0;
	size_t i;

	if ((names = json_array()) == NULL ||
	    store_open(conf->datadir, conf->store_map_mib, &st, &err) == -1 ||
	    store_begin(st, false, &t, &err) == -1) {
		fprintf(stderr, "listd: %s\n", names ? err.text :
		    "out of memory");
		json_decref(names);
		store_close(st);
		return 1;
	}
	if (store_scan(t, STORE_LISTS, "", add_name, names, &err) == -1) {
		fprintf(stderr, "listd: %s\n", err.text);
		bad++;
	}
	store_abort(t);
	json_array_foreach(names, i, n) {
		if (list_open(st, conf->datadir, json_string_value(n), 0, &l,
		    &err) == -1) {
			fprintf(stderr, "listd: list %s: %s\n",
			    json_string_value(n), err.text);
			bad++;
		} else
			list_close(l);
	}
	json_decref(names);
	store_close(st);
	return bad;
}

void
start_notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof sun.sun_path)
		return;
	memcpy(sun.sun_path, path, strlen(path));
	if (path[0] == '@')
		sun.sun_path[0] = '\0';	/* an abstract socket */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	(void)!sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len);
	close(fd);
}
