/*
 * listd/lmtp_listen.c: the LMTP server's listening socket (lmtp_int.h) and
 * lmtp_check_listen() (lmtp.h): loopback TCP or a unix socket of mode 0660,
 * a stale socket file replaced, a live one left alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "listd/lmtp.h"
#include "listd/lmtp_int.h"

static bool
is_loopback(const char *host)
{
	return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "::1") == 0 ||
	    strcasecmp(host, "localhost") == 0;
}

/* Splits "HOST:PORT" ("[::1]:24", "::1:24") into host and port. */
static int
split_hostport(const char *addr, char host[256], char port[8],
    struct pd_err *err)
{
	const char *c = strrchr(addr, ':');
	size_t hl;
	char *end;
	long p;

	if (c == NULL || c == addr)
		return pd_fail(err, PD_REFUSED, "lmtp-listen '%s': use unix:/PATH "
		    "or HOST:PORT", addr);
	hl = (size_t)(c - addr);
	if (addr[0] == '[' && hl >= 2 && addr[hl - 1] == ']')
		addr++, hl -= 2;
	if (hl >= 256)
		return pd_fail(err, PD_REFUSED, "lmtp-listen '%s': host too long",
		    addr);
	memcpy(host, addr, hl);
	host[hl] = '\0';
	p = strtol(c + 1, &end, 10);
	if (c[1] < '0' || c[1] > '9' || *end != '\0' || p < 1 || p > 65535)
		return pd_fail(err, PD_REFUSED, "lmtp-listen '%s': the port must "
		    "be a number from 1 to 65535", c + 1);
	snprintf(port, 8, "%ld", p);
	return 0;
}

int
lmtp_check_listen(const char *addr, struct pd_err *err)
{
	struct sockaddr_un sun;
	char host[256], port[8];

	if (strncmp(addr, "unix:", 5) == 0) {
		if (addr[5] != '/')
			return pd_fail(err, PD_REFUSED, "lmtp-listen '%s': the "
			    "socket path must be absolute", addr);
		if (strlen(addr + 5) >= sizeof sun.sun_path)
			return pd_fail(err, PD_REFUSED, "lmtp-listen '%s': the "
			    "socket path is longer than %zu bytes", addr,
			    sizeof sun.sun_path - 1);
		return 0;
	}
	if (split_hostport(addr, host, port, err) == -1)
		return -1;
	if (!is_loopback(host))
		return pd_fail(err, PD_REFUSED, "lmtp-listen '%s': %s is not a "
		    "loopback address; LMTP has no authentication, so anyone "
		    "who reached it could post to every list: listen on "
		    "127.0.0.1, ::1, localhost or a unix socket", addr, host);
	return 0;
}

static int
open_tcp(struct lmtp_sock *ls, const char *addr, struct pd_err *err)
{
	struct addrinfo hints = { 0 }, *ai = NULL;
	char host[256], port[8];
	int fd = -1, one = 1, rc;

	if (split_hostport(addr, host, port, err) == -1)
		return -1;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	if ((rc = getaddrinfo(strcasecmp(host, "localhost") == 0 ? "127.0.0.1" :
	    host, port, &hints, &ai)) != 0)
		return pd_fail(err, PD_REFUSED, "lmtp-listen '%s': %s (give a "
		    "numeric address)", addr, gai_strerror(rc));
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, 128) == -1)
		goto fail;
	freeaddrinfo(ai);
	ls->fd = fd;
	return 0;
fail:
	pd_fail(err, PD_FAIL, "cannot listen on %s: %s", addr,
	    strerror(errno));
	if (fd != -1)
		close(fd);
	freeaddrinfo(ai);
	return -1;
}

/*
 * A socket file left by a listd that is gone is replaced; one that answers
 * belongs to a running listd, and any other file is not ours to remove.
 */
static int
clear_stale(const char *path, struct pd_err *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat sb;
	int fd, rc, e;

	if (lstat(path, &sb) == -1)
		return errno == ENOENT ? 0 : pd_fail(err, PD_FAIL, "%s: %s",
		    path, strerror(errno));
	if (!S_ISSOCK(sb.st_mode))
		return pd_fail(err, PD_REFUSED, "%s exists and is not a socket: "
		    "remove it or choose another lmtp-listen", path);
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return pd_fail(err, PD_FAIL, "socket: %s", strerror(errno));
	rc = connect(fd, (struct sockaddr *)&sun, sizeof sun);
	e = errno;
	close(fd);
	if (rc == 0)
		return pd_fail(err, PD_REFUSED, "%s: another process (a running "
		    "listd?) answers on this socket", path);
	if (e != ECONNREFUSED)
		return pd_fail(err, PD_FAIL, "%s: %s", path, strerror(e));
	if (unlink(path) == -1 && errno != ENOENT)
		return pd_fail(err, PD_FAIL, "cannot remove the stale socket %s: "
		    "%s", path, strerror(errno));
	log_info("removed the stale socket %s", path);
	return 0;
}

static int
open_unix(struct lmtp_sock *ls, const char *path, struct pd_err *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat sb;
	mode_t old;
	int fd, rc;

	if (clear_stale(path, err) == -1)
		return -1;
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return pd_fail(err, PD_FAIL, "socket: %s", strerror(errno));
	old = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof sun);
	umask(old);
	if (rc == -1 || chmod(path, 0660) == -1 || stat(path, &sb) == -1 ||
	    listen(fd, 128) == -1) {
		pd_fail(err, PD_FAIL, "cannot listen on unix:%s: %s", path,
		    strerror(errno));
		if (rc == 0)
			unlink(path);
		close(fd);
		return -1;
	}
	if ((ls->path = strdup(path)) == NULL) {
		unlink(path);
		close(fd);
		return pd_fail(err, PD_FAIL, "out of memory");
	}
	ls->dev = sb.st_dev;
	ls->ino = sb.st_ino;
	ls->fd = fd;
	return 0;
}

int
lmtp_sock_open(const char *listen, struct lmtp_sock *ls, struct pd_err *err)
{
	int rc, fl;

	*ls = (struct lmtp_sock){ .fd = -1 };
	if (lmtp_check_listen(listen, err) == -1)
		return -1;
	if (strncmp(listen, "unix:", 5) == 0)
		rc = open_unix(ls, listen + 5, err);
	else
		rc = open_tcp(ls, listen, err);
	if (rc == -1)
		return -1;
	/* accept() after poll() must not block when the client has gone. */
	if ((fl = fcntl(ls->fd, F_GETFL)) != -1)
		fcntl(ls->fd, F_SETFL, fl | O_NONBLOCK);
	return 0;
}

void
lmtp_sock_close(struct lmtp_sock *ls)
{
	struct stat sb;

	if (ls->fd != -1)
		close(ls->fd);
	ls->fd = -1;
	/* Remove the socket only if it is still the one we made. */
	if (ls->path != NULL && stat(ls->path, &sb) == 0 &&
	    sb.st_dev == ls->dev && sb.st_ino == ls->ino)
		unlink(ls->path);
	free(ls->path);
	ls->path = NULL;
}
