/*
 * listd/lmtp.c: see lmtp.h.  The LMTP server's connections: a thread and a
 * slot each, their deadlines, and the socket I/O their sessions
 * (lmtp_session.c) read and write through.
 *
 * Threads, not a poll loop.  Every connection is served by a thread of its
 * own, at most LMTP_MAX_CONN of them (and a few that are closing); the main
 * thread only accepts.  The expensive steps of a transaction block:
 * intake_commit() waits for the store's fsync (milliseconds to seconds
 * under load) and intake_limit() parses the list's policy file.  A poll
 * loop would have to hand those to threads anyway to keep one client's
 * commit from stalling the others, and would split each session into
 * resumable states.  With a thread each, a session is a plain
 * read-a-command, answer-it loop, one client stalled in DATA stalls nobody
 * else, and the store (LMDB opened with MDB_NOTLS, write transactions
 * serialised by LMDB itself) is shared by all threads.
 *
 * Deadlines are totals, not per read: a client that sends a byte now and
 * then keeps its connection only for idle_timeout outside transactions and
 * txn_timeout per transaction.  A waiting read looks up every SLICE_MS for
 * a shutdown or an eviction.
 *
 * Slots.  The table holds LMTP_MAX_CONN connections, at most LMTP_PEER_MAX
 * of them from one TCP address.  A new client that finds the table (or its
 * address's share) full takes the slot of the connection that has waited
 * longest since its last whole command; that one is told 421 and closed.
 * Only connections waiting for their client are chosen, never one in the
 * store's hands.  So clients that trickle bytes to hold slots lose them to
 * the next client, and a client that is working never loses its own.
 * Unix socket clients have no share of their own: the socket (mode 0660)
 * is the MTA's, which may use the whole table; they are still evicted and
 * bound by the deadlines like any other.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "listd/handoff.h"
#include "listd/handover.h"
#include "listd/inbox.h"
#include "listd/lmtp.h"
#include "listd/lmtp_int.h"
#include "listd/lmtp_session.h"

#define SLICE_MS	1000	/* how often a waiting read looks up */
#define LEAVING_MAX	16	/* evicted connections still closing */

struct conn {
	struct lmtp_server *srv;
	int		 fd;
	char		 peer[96];		/* for the log */
	char		 addr[INET6_ADDRSTRLEN]; /* TCP: its share; unix: "" */
	/* Under srv->lock: */
	long long	 start_ms;	/* connected, or its last message ended */
	long long	 txn_ms;	/* MAIL of the open transaction, or 0 */
	long long	 progress_ms;	/* its last whole command */
	bool		 waiting;	/* in a read or write, for its client */
	bool		 evicted;	/* its slot went to a new client */
};

struct lmtp_server {
	struct lmtp_sock sock;
	char		*datadir;
	unsigned long	 held_ceiling;
	struct store	*store;
	void		(*committed)(void *);
	void		*arg;
	char		 host[256];
	char		 ident[HANDOVER_IDENT_MAX];	/* its datadir, in LHLO */
	atomic_bool	 stopping;
	pthread_mutex_t	 lock;
	pthread_cond_t	 idle;		/* signalled when a connection ends */
	/* Under lock: */
	struct conn	*table[LMTP_MAX_CONN];
	unsigned	 nconn;		/* threads: the table and the leaving */
	unsigned	 nleaving;	/* evicted, not yet gone */
	long long	 idle_limit_ms, txn_limit_ms, stop_ms;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- a connection's I/O, with its deadline -------------------------- */

/*
 * Whether c may wait for its client, and how long: LMTP_RD_OK and *left
 * (ms), or why not.  Marks c as waiting.  Under srv->lock.
 */
static enum lmtp_rd
may_wait(struct conn *c, long long *left)
{
	struct lmtp_server *srv = c->srv;
	long long now = now_ms(), end;

	if (c->evicted)
		return LMTP_RD_EVICTED;
	if (atomic_load(&srv->stopping) && (c->txn_ms == 0 ||
	    now >= srv->stop_ms + LMTP_STOP_GRACE * 1000LL))
		return LMTP_RD_STOP;
	end = c->txn_ms != 0 ? c->txn_ms + srv->txn_limit_ms :
	    c->start_ms + srv->idle_limit_ms;
	if ((*left = end - now) <= 0)
		return LMTP_RD_TIMEOUT;
	if (*left > SLICE_MS)
		*left = SLICE_MS;
	c->waiting = true;
	return LMTP_RD_OK;
}

/* Waits (one slice at most) until fd is ready for events; false: why in *r. */
static bool
wait_fd(struct conn *c, short events, enum lmtp_rd *r)
{
	struct pollfd pfd = { .fd = c->fd, .events = events };
	long long left = 0;
	int n;

	pthread_mutex_lock(&c->srv->lock);
	*r = may_wait(c, &left);
	pthread_mutex_unlock(&c->srv->lock);
	if (*r != LMTP_RD_OK)
		return false;
	n = poll(&pfd, 1, (int)left);
	if (n < 0 && errno != EINTR) {
		*r = LMTP_RD_ERR;
		return false;
	}
	return n > 0;
}

/* The end of a wait: an eviction meanwhile wins over what came. */
static enum lmtp_rd
waited(struct conn *c, enum lmtp_rd r)
{
	pthread_mutex_lock(&c->srv->lock);
	c->waiting = false;
	if (c->evicted)
		r = LMTP_RD_EVICTED;
	pthread_mutex_unlock(&c->srv->lock);
	return r;
}

static enum lmtp_rd
conn_read(void *arg, char *buf, size_t len, size_t *got)
{
	struct conn *c = arg;
	enum lmtp_rd r = LMTP_RD_OK;
	ssize_t n;

	*got = 0;
	for (;;) {
		if (!wait_fd(c, POLLIN, &r)) {
			if (r != LMTP_RD_OK)
				break;
			continue;
		}
		n = recv(c->fd, buf, len, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		r = n < 0 ? LMTP_RD_ERR : n == 0 ? LMTP_RD_EOF : LMTP_RD_OK;
		if (n > 0)
			*got = (size_t)n;
		break;
	}
	return waited(c, r);
}

/*
 * Sends within the same deadline as reads.  An evicted connection gets
 * what fits at once (its 421), nothing more.
 */
static int
conn_write(void *arg, const char *buf, size_t len)
{
	struct conn *c = arg;
	enum lmtp_rd r = LMTP_RD_OK;
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = send(c->fd, buf + off, len - off, MSG_NOSIGNAL |
		    MSG_DONTWAIT);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			break;
		if (errno == EAGAIN && !wait_fd(c, POLLOUT, &r) &&
		    r != LMTP_RD_OK)
			break;
	}
	waited(c, r);
	return off == len ? 0 : -1;
}

static void
conn_event(void *arg, enum lmtp_event ev)
{
	struct conn *c = arg;
	long long now = now_ms();

	pthread_mutex_lock(&c->srv->lock);
	switch (ev) {
	case LMTP_EV_COMMAND:
		c->progress_ms = now;
		break;
	case LMTP_EV_MAIL:
		c->txn_ms = now;
		break;
	case LMTP_EV_DATA_END:
		c->txn_ms = 0;
		c->start_ms = c->progress_ms = now;	/* a new idle allowance */
		break;
	case LMTP_EV_RESET:
		c->txn_ms = 0;		/* the idle allowance goes on */
		break;
	}
	pthread_mutex_unlock(&c->srv->lock);
}

static int
conn_limit(void *arg, const char *address, struct route *r,
    unsigned long *max, struct pd_err *err)
{
	struct conn *c = arg;

	return intake_limit(c->srv->store, c->srv->datadir, address,
	    c->srv->held_ceiling, r, max, err);
}

static int
conn_commit(void *arg, const struct route *r, const char *sender,
    const char *msg, size_t len, char id[INBOX_ID_MAX], struct pd_err *err)
{
	struct conn *c = arg;
	struct lmtp_server *srv = c->srv;

	if (intake_commit(srv->store, srv->datadir, r, sender, "lmtp", msg,
	    len, id, err) == -1)
		return -1;
	handoff_put(r->list, id, msg, len, time(NULL));
	if (srv->committed != NULL)
		srv->committed(srv->arg);
	return 0;
}

/* ---- the slot table ------------------------------------------------- */

static unsigned
peer_count(const struct lmtp_server *srv, const char *addr)
{
	unsigned i, n = 0;

	for (i = 0; i < LMTP_MAX_CONN; i++)
		n += srv->table[i] != NULL && strcmp(srv->table[i]->addr,
		    addr) == 0;
	return n;
}

/* The slot of the connection waiting longest since its last command
   (from addr, unless NULL); -1 when every one is busy. */
static int
longest_idle(const struct lmtp_server *srv, const char *addr)
{
	const struct conn *c;
	int i, v = -1;

	for (i = 0; i < LMTP_MAX_CONN; i++) {
		if ((c = srv->table[i]) == NULL || !c->waiting ||
		    (addr != NULL && strcmp(c->addr, addr) != 0))
			continue;
		if (v == -1 || c->progress_ms < srv->table[v]->progress_ms)
			v = i;
	}
	return v;
}

/* Takes slot i from its connection, which is told 421 as it wakes. */
static void
evict(struct lmtp_server *srv, int i, const struct conn *for_whom)
{
	struct conn *c = srv->table[i];

	log_info("lmtp: %s: waited %lld s since its last command; closed for "
	    "%s", c->peer, (now_ms() - c->progress_ms) / 1000,
	    for_whom->peer);
	c->evicted = true;
	srv->table[i] = NULL;
	srv->nleaving++;
	shutdown(c->fd, SHUT_RD);	/* its poll() returns at once */
}

/*
 * A slot for c, made free when needed; -1 and why when none can be.
 * Under srv->lock.
 */
static int
take_slot(struct lmtp_server *srv, struct conn *c, const char **why)
{
	bool share = c->addr[0] != '\0' &&
	    peer_count(srv, c->addr) >= LMTP_PEER_MAX;
	int i;

	if (srv->nleaving >= LEAVING_MAX) {
		*why = "too many connections closing";
		return -1;
	}
	for (i = 0; i < LMTP_MAX_CONN && !share; i++)
		if (srv->table[i] == NULL)
			return i;
	if ((i = longest_idle(srv, share ? c->addr : NULL)) == -1) {
		*why = share ? "too many connections from its address, all "
		    "busy" : "too many connections, all busy";
		return -1;
	}
	evict(srv, i, c);
	return i;
}

/* Frees c's slot (unless it was evicted) and c; srv may go after this. */
static void
conn_done(struct conn *c)
{
	struct lmtp_server *srv = c->srv;
	int i;

	pthread_mutex_lock(&srv->lock);
	if (c->evicted)
		srv->nleaving--;
	for (i = 0; i < LMTP_MAX_CONN; i++)
		if (srv->table[i] == c)
			srv->table[i] = NULL;
	srv->nconn--;
	close(c->fd);
	free(c);
	pthread_cond_broadcast(&srv->idle);
	pthread_mutex_unlock(&srv->lock);
}

static void *
conn_main(void *arg)
{
	struct conn *c = arg;
	struct lmtp_io io = { conn_read, conn_write, conn_event, conn_limit,
	    conn_commit, c, c->srv->ident };

	log_debug("%s: connected", c->peer);
	lmtp_session(&io, c->srv->host, c->peer);
	log_debug("%s: closed", c->peer);
	conn_done(c);
	return NULL;
}

/* ---- accepting ------------------------------------------------------ */

/* The peer for the log, and for TCP its address (its share's key). */
static void
peer_name(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	struct ucred cred;
	socklen_t cl = sizeof cred;
	char port[8];
	bool v6;

	snprintf(c->peer, sizeof c->peer, "unknown peer");
	if (getpeername(c->fd, (struct sockaddr *)&ss, &sl) == -1)
		return;
	if (ss.ss_family == AF_UNIX) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0)
			snprintf(c->peer, sizeof c->peer, "unix pid %ld uid %lu",
			    (long)cred.pid, (unsigned long)cred.uid);
		else
			snprintf(c->peer, sizeof c->peer, "unix");
	} else if (getnameinfo((struct sockaddr *)&ss, sl, c->addr,
	    sizeof c->addr, port, sizeof port, NI_NUMERICHOST |
	    NI_NUMERICSERV) == 0) {
		v6 = ss.ss_family == AF_INET6;
		snprintf(c->peer, sizeof c->peer, "%s%s%s:%s", v6 ? "[" : "",
		    c->addr, v6 ? "]" : "", port);
	} else
		snprintf(c->addr, sizeof c->addr, "?");
}

static void
refuse(int fd, const char *peer, const char *why)
{
	static const char msg[] = "421 4.3.2 Too many connections, try again "
	    "later\r\n";

	(void)!send(fd, msg, sizeof msg - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	log_warnx("lmtp: %s: connection refused: %s", peer, why);
	close(fd);
}

/* Starts c's thread in slot i, or gives the slot back; under no lock. */
static void
conn_start(struct lmtp_server *srv, struct conn *c, int i)
{
	pthread_attr_t attr;
	pthread_t tid;
	int rc;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&tid, &attr, conn_main, c);
	pthread_attr_destroy(&attr);
	if (rc == 0)
		return;
	pthread_mutex_lock(&srv->lock);
	srv->table[i] = NULL;
	srv->nconn--;
	pthread_mutex_unlock(&srv->lock);
	refuse(c->fd, c->peer, strerror(rc));
	free(c);
}

void
lmtp_accept(struct lmtp_server *srv)
{
	const char *why = NULL;
	struct conn *c;
	int fd, i;

	if (srv->sock.fd == -1)
		return;
	if ((fd = accept4(srv->sock.fd, NULL, NULL, SOCK_CLOEXEC)) == -1) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOMEM) {
			log_warn("lmtp: accept");
			usleep(100000);	/* the backlog stays; do not spin */
		}
		return;
	}
	if ((c = calloc(1, sizeof *c)) == NULL) {
		refuse(fd, "a client", "out of memory");
		return;
	}
	c->srv = srv;
	c->fd = fd;
	peer_name(c);
	c->start_ms = c->progress_ms = now_ms();
	pthread_mutex_lock(&srv->lock);
	if ((i = take_slot(srv, c, &why)) != -1) {
		srv->table[i] = c;
		srv->nconn++;
	}
	pthread_mutex_unlock(&srv->lock);
	if (i != -1) {
		conn_start(srv, c, i);
		return;
	}
	refuse(fd, c->peer, why);
	free(c);
}

/* ---- the server ------------------------------------------------------ */

static struct lmtp_server *
server_new(const struct lmtp_opts *o)
{
	struct lmtp_server *srv;
	pthread_condattr_t ca;

	if ((srv = calloc(1, sizeof *srv)) == NULL)
		return NULL;
	if ((srv->datadir = strdup(o->datadir)) == NULL) {
		free(srv);
		return NULL;
	}
	handover_ident(o->datadir, srv->ident);
	srv->sock.fd = -1;
	srv->store = o->store;
	srv->committed = o->committed;
	srv->arg = o->arg;
	srv->idle_limit_ms = LMTP_IDLE_TIMEOUT * 1000LL;
	srv->txn_limit_ms = LMTP_TXN_TIMEOUT * 1000LL;
	atomic_init(&srv->stopping, false);
	if (gethostname(srv->host, sizeof srv->host) == -1 ||
	    srv->host[0] == '\0')
		snprintf(srv->host, sizeof srv->host, "localhost");
	srv->host[sizeof srv->host - 1] = '\0';
	pthread_mutex_init(&srv->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->idle, &ca);
	pthread_condattr_destroy(&ca);
	lmtp_set_timeouts(srv, o->idle_timeout, o->txn_timeout);
	srv->held_ceiling = o->held_ceiling;
	return srv;
}

static void
server_free(struct lmtp_server *srv)
{
	pthread_mutex_destroy(&srv->lock);
	pthread_cond_destroy(&srv->idle);
	free(srv->datadir);
	free(srv);
}

int
lmtp_open(const struct lmtp_opts *o, struct lmtp_server **out,
    struct pd_err *err)
{
	struct lmtp_server *srv;

	*out = NULL;
	if ((srv = server_new(o)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	if (lmtp_sock_open(o->listen, &srv->sock, err) == -1) {
		server_free(srv);
		return -1;
	}
	*out = srv;
	return 0;
}

void
lmtp_set_timeouts(struct lmtp_server *srv, unsigned idle, unsigned txn)
{
	pthread_mutex_lock(&srv->lock);
	if (idle > 0)
		srv->idle_limit_ms = idle * 1000LL;
	if (txn > 0)
		srv->txn_limit_ms = txn * 1000LL;
	pthread_mutex_unlock(&srv->lock);
}

int
lmtp_fd(const struct lmtp_server *srv)
{
	return srv->sock.fd;
}

void
lmtp_stop(struct lmtp_server *srv)
{
	pthread_mutex_lock(&srv->lock);
	if (!atomic_load(&srv->stopping))
		srv->stop_ms = now_ms();
	atomic_store(&srv->stopping, true);
	pthread_mutex_unlock(&srv->lock);
	lmtp_sock_close(&srv->sock);
}

unsigned
lmtp_drain(struct lmtp_server *srv, unsigned seconds)
{
	struct timespec dl;
	unsigned left;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += seconds;
	pthread_mutex_lock(&srv->lock);
	while (srv->nconn > 0)
		if (pthread_cond_timedwait(&srv->idle, &srv->lock, &dl) ==
		    ETIMEDOUT)
			break;
	left = srv->nconn;
	pthread_mutex_unlock(&srv->lock);
	return left;
}

void
lmtp_close(struct lmtp_server *srv)
{
	unsigned left;

	if (srv == NULL)
		return;
	lmtp_stop(srv);
	pthread_mutex_lock(&srv->lock);
	left = srv->nconn;
	pthread_mutex_unlock(&srv->lock);
	if (left == 0)
		server_free(srv);
}
