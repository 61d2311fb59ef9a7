/*
 * listd/listd.c: the daemon.  listd [-c FILE] [-f] [-n] [--once] [-v]
 *
 * Threads: the main thread accepts LMTP connections and takes signals
 * (blocked everywhere, read from a signalfd); each connection has a thread
 * of its own (lmtp.c); a processing thread runs work_process() (releases,
 * the inbox, encryption), woken after each commit, and a delivery thread
 * runs work_deliver(), woken when processing did something; each runs at
 * least every PROC_INTERVAL seconds.  So a stalled relay holds up no
 * post's processing and no release, and a slow gpg no delivery.  They
 * share one store, opened once after the fork (LMDB, MDB_NOTLS; write
 * transactions are serialised by LMDB, and a job becomes due only in the
 * transaction that stores its encrypted copy).
 *
 * SIGTERM and SIGINT stop accepting, tell idle LMTP clients 421, give
 * transactions in flight LMTP_STOP_GRACE seconds, cut off a delivery in
 * flight (work_stop()) and exit 0 within STOP_SECONDS in all; what is not
 * processed stays in the store.  A step that does not end in time (gpg) is
 * left to the exit, as a crash would be: the store is built for that.
 * SIGHUP reloads listd.conf; a file with an error leaves the old
 * configuration in place, and settings that only take effect at a restart
 * are named in the log.
 *
 * Exit status: 0 done, 1 an error (one line on stderr, or in the log once
 * detached), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "keys/keys.h"
#include "listd/conf.h"
#include "listd/encrypt.h"
#include "listd/list.h"
#include "listd/lmtp.h"
#include "listd/start.h"
#include "listd/work.h"
#include "listd/store.h"
#include "listd/handoff.h"
#include "listd/wake.h"

#define PROC_INTERVAL		5	/* seconds between runs at the latest */
#define PROC_RERUNS		10	/* immediate reruns while work comes */
#define STOP_SECONDS		8	/* SIGTERM to exit, at most */
#define ONCE_ROUNDS		100	/* --once: runs until the inbox is empty */
#define START_WAIT_SECONDS	60	/* the parent waits for the daemon */

#define EXIT_FAIL	1
#define EXIT_USAGE	2

/*
 * A configuration and the runs that use it: the newest one has a user for
 * being the newest, and each run that started with it one more; the last
 * user frees it.  Under proc's lock.
 */
struct shared_conf {
	struct conf	*conf;
	unsigned	 users;
};

struct proc;

/*
 * A thread that runs one kind of work, when kicked and at least every
 * PROC_INTERVAL seconds: processing (work_process()) or delivery
 * (work_deliver()), so that neither waits on the other's gpg or relay.
 * Processing that did something kicks delivery.  Fields under proc's lock.
 */
struct runner {
	const char	*name;
	int		(*step)(const struct conf *, struct store *, unsigned *,
			    struct pd_err *);
	struct runner	*then;		/* kicked after a run that did work */
	struct proc	*p;
	pthread_t	 tid;
	bool		 kick, started, done;
};

enum { RUN_PROCESS, RUN_DELIVER, NRUNNERS };

struct proc {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;		/* kicks, stop, a runner done */
	bool		 stop;
	struct shared_conf *conf;	/* the newest */
	struct store	*store;
	char		 datadir[1100];	/* the lists' GnuPG homes are under it */
	struct runner	 run[NRUNNERS];
};

/* ---- processing and delivery ---------------------------------------- */

/* After a commit over LMTP: the inbox has work. */
static void
proc_kick(void *arg)
{
	struct proc *p = arg;

	pthread_mutex_lock(&p->lock);
	p->run[RUN_PROCESS].kick = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* Another process committed (wake.h): whatever it was, both look. */
static void
proc_wake(struct proc *p)
{
	pthread_mutex_lock(&p->lock);
	p->run[RUN_PROCESS].kick = true;
	p->run[RUN_DELIVER].kick = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void
deadline(struct timespec *ts, unsigned seconds)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += seconds;
}

/* Drops a user of sc; the last one frees it.  Under proc's lock. */
static void
conf_release(struct shared_conf *sc)
{
	if (sc != NULL && --sc->users == 0) {
		conf_free(sc->conf);
		free(sc);
	}
}

static unsigned
run_once(const struct runner *r, const struct conf *conf, struct store *st)
{
	struct pd_err err = { 0 };
	unsigned done = 0;

	if (r->step(conf, st, &done, &err) == -1)
		log_warnx("%s: %s", r->name, err.text);
	else if (done > 0)
		log_debug("%s: %u done", r->name, done);
	return done;
}

/* Waits for a kick or the interval, unless the last run found work. */
static void
runner_wait(struct runner *r, unsigned *reruns)
{
	struct timespec dl;

	if (r->kick || (*reruns > 0 && *reruns < PROC_RERUNS))
		return;
	*reruns = 0;
	deadline(&dl, PROC_INTERVAL);
	while (!r->kick && !r->p->stop)
		if (pthread_cond_timedwait(&r->p->cond, &r->p->lock, &dl) ==
		    ETIMEDOUT)
			break;
}

static void *
runner_main(void *arg)
{
	struct runner *r = arg;
	struct proc *p = r->p;
	struct shared_conf *sc;
	unsigned reruns = 0, n;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		runner_wait(r, &reruns);
		if (p->stop)
			break;
		r->kick = false;
		sc = p->conf;
		sc->users++;
		pthread_mutex_unlock(&p->lock);
		n = run_once(r, sc->conf, p->store);
		pthread_mutex_lock(&p->lock);
		conf_release(sc);
		reruns = n > 0 ? reruns + 1 : 0;
		if (n > 0 && r->then != NULL) {
			r->then->kick = true;
			pthread_cond_broadcast(&p->cond);
		}
	}
	r->done = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static int
proc_start(struct proc *p, struct conf *conf, struct store *st,
    struct pd_err *err)
{
	pthread_condattr_t ca;
	struct runner *r;
	int i, rc;

	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cond, &ca);
	pthread_condattr_destroy(&ca);
	if ((p->conf = calloc(1, sizeof *p->conf)) == NULL)
		return pd_fail(err, PD_FAIL, "out of memory");
	*p->conf = (struct shared_conf){ conf, 1 };
	p->store = st;
	snprintf(p->datadir, sizeof p->datadir, "%s", conf->datadir);
	p->run[RUN_PROCESS] = (struct runner){ .name = "processing",
	    .step = work_process, .then = &p->run[RUN_DELIVER], .p = p,
	    .kick = true };	/* what an earlier run left in the inbox */
	p->run[RUN_DELIVER] = (struct runner){ .name = "delivery",
	    .step = work_deliver, .p = p, .kick = true };
	for (i = 0; i < NRUNNERS; i++) {
		r = &p->run[i];
		if ((rc = pthread_create(&r->tid, NULL, runner_main, r)) != 0)
			return pd_fail(err, PD_FAIL, "cannot start the %s "
			    "thread: %s", r->name, strerror(rc));
		r->started = true;
	}
	return 0;
}

/* Hands a new configuration to the runners (which own it). */
static void
proc_set_conf(struct proc *p, struct conf *nc)
{
	struct shared_conf *sc;

	if ((sc = calloc(1, sizeof *sc)) == NULL) {
		log_warnx("reload: out of memory; keeping the configuration "
		    "in use");
		conf_free(nc);
		return;
	}
	*sc = (struct shared_conf){ nc, 1 };
	pthread_mutex_lock(&p->lock);
	conf_release(p->conf);
	p->conf = sc;
	pthread_mutex_unlock(&p->lock);
}

/* Asks the runners to stop and waits up to seconds; true when all ended. */
static bool
proc_stop(struct proc *p, unsigned seconds)
{
	struct timespec dl;
	bool done = true;
	int i;

	deadline(&dl, seconds);
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	for (i = 0; i < NRUNNERS; i++)
		while (p->run[i].started && !p->run[i].done)
			if (pthread_cond_timedwait(&p->cond, &p->lock, &dl) ==
			    ETIMEDOUT)
				break;
	for (i = 0; i < NRUNNERS; i++)
		done = done && (!p->run[i].started || p->run[i].done);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; done && i < NRUNNERS; i++)
		if (p->run[i].started)
			pthread_join(p->run[i].tid, NULL);
	return done;
}

/* ---- start-up and shutdown ------------------------------------------ */

/*
 * Without -f: forks, and the parent waits for the child's word on a pipe
 * ("" for ready, or the error) so that a failed start is reported on the
 * terminal with exit status 1.  Returns the pipe's write end in the child.
 */
static int
daemonize(void)
{
	char msg[1100] = "";
	struct pollfd pfd;
	size_t len = 0;
	ssize_t n;
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		fprintf(stderr, "listd: cannot start the daemon: %s\n",
		    strerror(errno));
		exit(EXIT_FAIL);
	}
	if (pid == 0) {
		close(p[0]);
		if (setsid() == -1 || chdir("/") == -1)
			_exit(EXIT_FAIL);
		return p[1];
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	while (len < sizeof msg - 1 && poll(&pfd, 1, START_WAIT_SECONDS * 1000) > 0 &&
	    (n = read(p[0], msg + len, sizeof msg - 1 - len)) > 0)
		len += (size_t)n;
	msg[len] = '\0';
	if (strcmp(msg, "ready") == 0)
		exit(0);
	fprintf(stderr, "listd: %s\n", len > 0 ? msg : "the daemon did not start; "
	    "see the mail log");
	exit(EXIT_FAIL);
}

/* Tells the waiting parent (if any) how the start went, then detaches. */
static void
started(int *ready_fd, const char *msg)
{
	int fd;

	if (*ready_fd == -1)
		return;
	(void)!write(*ready_fd, msg, strlen(msg));
	close(*ready_fd);
	*ready_fd = -1;
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

static void __attribute__((noreturn))
startup_fail(int *ready_fd, const struct pd_err *err)
{
	log_warnx("%s", err->text);
	started(ready_fd, err->text);
	exit(EXIT_FAIL);
}

/* Blocks the signals listd takes in every thread; returns a signalfd. */
static int
signals(struct pd_err *err)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if ((fd = signalfd(-1, &set, SFD_CLOEXEC)) == -1)
		return pd_fail(err, PD_FAIL, "signalfd: %s", strerror(errno));
	return fd;
}

static void
restart_note(const char *what, const char *old, const char *new)
{
	if (strcmp(old, new) != 0)
		log_warnx("reload: %s changed from %s to %s: takes effect when "
		    "listd is restarted", what, old, new);
}

/* What the running daemon took at start and keeps until a restart. */
struct fixed {
	char		 listen[1100], datadir[1100];
	unsigned long	 map_mib;
	bool		 verbose;
};

static void
fixed_set(struct fixed *f, const struct conf *c, bool verbose)
{
	snprintf(f->listen, sizeof f->listen, "%s", c->lmtp_listen);
	snprintf(f->datadir, sizeof f->datadir, "%s", c->datadir);
	f->map_mib = c->store_map_mib;
	f->verbose = verbose;
}

static void
reload(const char *path, const struct fixed *f, struct proc *p,
    struct lmtp_server *srv)
{
	struct pd_err err = { 0 };
	struct conf *nc;
	char a[32], b[32];
	int rc;

	rc = conf_load(path, &nc, &err);
	if (rc == -1) {
		log_warnx("reload: %s; keeping the configuration in use",
		    err.text);
		return;
	}
	restart_note("lmtp-listen", f->listen, nc->lmtp_listen);
	restart_note("datadir", f->datadir, nc->datadir);
	snprintf(a, sizeof a, "%lu", f->map_mib);
	snprintf(b, sizeof b, "%lu", nc->store_map_mib);
	restart_note("store-map-size", a, b);
	if (nc->verbose && !f->verbose)
		restart_note("verbose", "false", "true");
	lmtp_set_timeouts(srv, nc->lmtp_idle_timeout, nc->lmtp_txn_timeout);
	proc_set_conf(p, nc);
	log_info("reloaded %s", path ? path : "the configuration");
}

/* Accepts and serves until SIGTERM or SIGINT; wfd rings (wake.h). */
static void
serve(struct lmtp_server *srv, int sfd, int wfd, const char *path,
    const struct fixed *f, struct proc *p)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[3];

	for (;;) {
		pfd[0].fd = lmtp_fd(srv);
		pfd[0].events = POLLIN;
		pfd[1].fd = sfd;
		pfd[1].events = POLLIN;
		pfd[2].fd = wfd;
		pfd[2].events = POLLIN;
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("poll");
			return;
		}
		if (pfd[1].revents & POLLIN) {
			if (read(sfd, &si, sizeof si) != sizeof si)
				continue;
			if (si.ssi_signo != SIGHUP) {
				log_info("signal %u: stopping", si.ssi_signo);
				return;
			}
			start_notify("RELOADING=1");
			reload(path, f, p, srv);
			start_notify("READY=1");
		}
		if (pfd[0].revents & POLLIN)
			lmtp_accept(srv);
		if ((pfd[2].revents & POLLIN) && wake_drain(wfd)) {
			log_debug("woken: another process committed");
			proc_wake(p);
		}
	}
}

/*
 * The orderly end after SIGTERM, within STOP_SECONDS: LMTP and processing
 * are told at once and waited for together.  Returns the status.
 */
static int
shutdown_all(struct lmtp_server *srv, struct proc *p, struct store *st)
{
	struct timespec t0, t1;
	unsigned left, spent;
	bool proc_done;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	lmtp_stop(srv);
	work_stop();
	left = lmtp_drain(srv, LMTP_STOP_GRACE + 2);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	spent = (unsigned)(t1.tv_sec - t0.tv_sec);
	proc_done = proc_stop(p, spent < STOP_SECONDS ? STOP_SECONDS - spent :
	    1);
	if (left > 0)
		log_warnx("%u LMTP connections still open; their messages were "
		    "not acknowledged", left);
	if (!proc_done)
		log_warnx("processing still running after %d s; what it has "
		    "not finished stays in the store", STOP_SECONDS);
	list_stop_agents(p->datadir);
	handoff_clear();
	if (left > 0 || !proc_done) {
		/* Threads still run: leave the store to the exit, without
		   atexit handlers that would pull libraries from under them. */
		log_info("stopped");
		fflush(stderr);
		_exit(0);
	}
	lmtp_close(srv);
	store_close(st);
	conf_release(p->conf);
	log_info("stopped");
	return 0;
}

static int
run_daemon(struct conf *conf, const char *path, bool foreground, bool verbose)
{
	struct lmtp_opts lo = { 0 };
	struct proc p = { 0 };
	struct fixed f;
	struct lmtp_server *srv;
	struct pd_err err = { 0 };
	struct store *st;
	char wake_path[1200];
	int ready = -1, sfd, wfd;

	fixed_set(&f, conf, verbose);
	if (!foreground) {
		ready = daemonize();
		log_init("listd", false, verbose);
	}
	if (store_open(conf->datadir, conf->store_map_mib, &st, &err) == -1 ||
	    keys_init(&err) == -1)
		startup_fail(&ready, &err);
	store_ring_on_commit(st, false);	/* its own work is kicked */
	keys_set_bounds(conf->gpg_timeout, conf->unpack_factor);
	enc_set_shard_size(conf->encrypt_shard_size);
	lo.listen = conf->lmtp_listen;
	lo.datadir = conf->datadir;
	lo.store = st;
	lo.committed = proc_kick;
	lo.arg = &p;
	lo.idle_timeout = conf->lmtp_idle_timeout;
	lo.txn_timeout = conf->lmtp_txn_timeout;
	lo.held_ceiling = conf->max_held_size;
	if (lmtp_open(&lo, &srv, &err) == -1 ||
	    (wfd = wake_listen(conf->datadir, &err)) == -1 ||
	    (sfd = signals(&err)) == -1 || proc_start(&p, conf, st, &err) == -1)
		startup_fail(&ready, &err);
	log_info("listening on %s, datadir %s", conf->lmtp_listen,
	    conf->datadir);
	started(&ready, "ready");
	start_notify("READY=1");
	serve(srv, sfd, wfd, path, &f, &p);
	start_notify("STOPPING=1");
	close(sfd);
	close(wfd);
	snprintf(wake_path, sizeof wake_path, "%s/wake", f.datadir);
	(void)unlink(wake_path);
	return shutdown_all(srv, &p, st);
}

/* --once: work until nothing is due (bounded), no listening. */
static int
run_inbox(const struct conf *conf)
{
	struct pd_err err = { 0 };
	struct store *st = NULL;
	unsigned done = 0, total = 0;
	int i, rc = EXIT_FAIL;

	if (store_open(conf->datadir, conf->store_map_mib, &st, &err) == -1 ||
	    keys_init(&err) == -1)
		goto out;
	keys_set_bounds(conf->gpg_timeout, conf->unpack_factor);
	enc_set_shard_size(conf->encrypt_shard_size);
	for (i = 0; i < ONCE_ROUNDS; i++) {
		if (work_due(conf, st, &done, &err) == -1)
			goto out;
		total += done;
		if (done == 0)
			break;
	}
	log_debug("processed %u messages", total);
	rc = 0;
out:
	if (rc != 0)
		log_warnx("%s", err.text);
	store_close(st);
	return rc;
}

/*
 * -n: what a start needs (start.h), then the store and every list's
 * policy; creates nothing.
 */
static int
check_only(const struct conf *conf)
{
	struct pd_err err = { 0 };

	if (start_prepare(conf, START_CHECK_ONLY | START_LISTEN, &err) == -1) {
		fprintf(stderr, "listd: %s\n", err.text);
		return EXIT_FAIL;
	}
	if (access(conf->datadir, F_OK) == -1) {
		fprintf(stderr, "listd: datadir %s is not there yet: listd makes "
		    "it at its first start\n", conf->datadir);
		return 0;
	}
	return start_check_lists(conf) == 0 ? 0 : EXIT_FAIL;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: listd [-c FILE] [-f] [-n] [--once] [-v]\n"
	    "  -c FILE  the configuration (listd.conf)\n"
	    "  -f       stay in the foreground, log to stderr\n"
	    "  -n       check the configuration and the store, then exit\n"
	    "  --once   process the inbox until it is empty, then exit\n"
	    "  -v       log debugging detail\n"
	    "See listd(8).\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = NULL;
	bool foreground = false, check = false, once = false, verbose = false;
	struct pd_err err = { 0 };
	struct conf *conf;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "c:fnvhV", longopts, NULL)) != -1)
		switch (ch) {
		case 'c': path = optarg; break;
		case 'f': foreground = true; break;
		case 'n': check = true; break;
		case 'o': once = true; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("listd (pdlist) %s\n", PDLIST_VERSION); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/*
	 * A heap per thread (glibc's default, up to 8 per core) keeps each
	 * delivery worker's freed copies apart: two suffice on listd's
	 * threads (make bench, 500 members, a 2 MB patch: peak RSS 97 MiB
	 * with the default, 67 MiB with two, no slower).
	 */
	mallopt(M_ARENA_MAX, 2);
	log_init("listd", true, verbose);
	if (conf_load(path, &conf, &err) == -1) {
		fprintf(stderr, "listd: %s\n", err.text);
		return EXIT_FAIL;
	}
	verbose = verbose || conf->verbose;
	log_init("listd", true, verbose);
	if (check)
		rc = check_only(conf);
	else if (start_prepare(conf, once ? 0 : START_LISTEN, &err) == -1) {
		fprintf(stderr, "listd: %s\n", err.text);
		rc = EXIT_FAIL;
	} else if (once)
		rc = run_inbox(conf);
	else
		return run_daemon(conf, path, foreground, verbose);
	conf_free(conf);
	return rc;
}
