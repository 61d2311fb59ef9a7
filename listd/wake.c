/* listd/wake.c: see wake.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "listd/wake.h"

/* The socket's address; -1 when the datadir's path is too long for one. */
static int
wake_addr(const char *datadir, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	if ((size_t)snprintf(sun->sun_path, sizeof sun->sun_path, "%s/wake",
	    datadir) >= sizeof sun->sun_path)
		return -1;
	return 0;
}

int
wake_listen(const char *datadir, struct pd_err *err)
{
	struct sockaddr_un sun;
	int fd;

	if (wake_addr(datadir, &sun) == -1)
		return pd_fail(err, PD_FAIL, "%s/wake: the datadir's path is too "
		    "long for a unix socket: choose a shorter datadir", datadir);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		return pd_fail(err, PD_FAIL, "wake socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0) {
		close(fd);
		return pd_fail(err, PD_FAIL, "%s: another listd uses this "
		    "datadir: stop it first", sun.sun_path);
	}
	(void)unlink(sun.sun_path);	/* a dead daemon's, or none */
	if (bind(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		pd_fail(err, PD_FAIL, "%s: %s", sun.sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

bool
wake_drain(int fd)
{
	char buf[64];
	bool rung = false;

	while (recv(fd, buf, sizeof buf, 0) >= 0)
		rung = true;
	return rung;
}

void
wake_ring(const char *datadir)
{
	struct sockaddr_un sun;
	int fd;

	if (wake_addr(datadir, &sun) == -1 || (fd = socket(AF_UNIX,
	    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return;
	(void)sendto(fd, "", 1, MSG_DONTWAIT, (struct sockaddr *)&sun,
	    sizeof sun);
	close(fd);
}
