/*
 * keys/agent.c: the GnuPG processes around a home, outside gpgme: gpgconf
 * (taken from PATH, as gpg is: keys_init), the agent's stop, and the kill
 * of an engine that hangs.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keys/keys.h"

/*
 * Runs gpgconf --homedir home with args, for at most seconds; its first
 * line of output into out (when not NULL).  The exit status, or -1 when it
 * could not run or had to be killed.
 */
static int
gpgconf_run(const char *home, const char *a1, const char *a2, char *out,
    size_t outlen, unsigned seconds)
{
	extern char **environ;
	char *argv[] = { "gpgconf", "--homedir", (char *)home, (char *)a1,
	    (char *)a2, NULL };
	posix_spawn_file_actions_t fa;
	int fds[2], status = -1, waited = 0;
	size_t got = 0;
	pid_t pid;

	if (out != NULL)
		out[0] = '\0';
	if (pipe(fds) == -1)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	/* gpgconf from PATH, as gpg (keys_init). */
	if (posix_spawnp(&pid, "gpgconf", &fa, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	/* gpgconf prints a line at most: it never fills the pipe. */
	while (pid != -1 && waitpid(pid, &status, WNOHANG) == 0) {
		if (waited++ >= (int)seconds * 20) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			status = -1;
			break;
		}
		usleep(50000);
	}
	while (out != NULL && status != -1 && got + 1 < outlen) {
		ssize_t n = read(fds[0], out + got, outlen - got - 1);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	if (out != NULL) {
		out[got] = '\0';
		out[strcspn(out, "\r\n")] = '\0';
	}
	return pid == -1 || status == -1 || !WIFEXITED(status) ? -1 :
	    WEXITSTATUS(status);
}

/*
 * Whether process pid is gpg or gpg-agent working on GnuPG home home: its
 * command line has "--homedir" and then home (gpgme and gpg both start
 * them so).
 */
static bool
works_on(pid_t pid, const char *home)
{
	char path[64], buf[8192], *a, *end;
	struct stat sb;
	ssize_t n;
	int fd;
	bool gpg, prev_homedir = false;

	snprintf(path, sizeof path, "/proc/%ld", (long)pid);
	if (stat(path, &sb) == -1 || sb.st_uid != getuid())
		return false;	/* only our own */
	snprintf(path, sizeof path, "/proc/%ld/cmdline", (long)pid);
	if ((fd = open(path, O_RDONLY)) == -1)
		return false;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	end = buf + n;
	a = strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf;
	gpg = strcmp(a, "gpg") == 0 || strcmp(a, "gpg2") == 0 ||
	    strcmp(a, "gpg-agent") == 0;
	for (a = buf; gpg && a < end; a += strlen(a) + 1) {
		if (prev_homedir && strcmp(a, home) == 0)
			return true;
		prev_homedir = strcmp(a, "--homedir") == 0;
	}
	return false;
}

void
keys_kill_engine(const char *home)
{
	struct dirent *e;
	DIR *d;
	char *end;
	long pid;

	if ((d = opendir("/proc")) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		pid = strtol(e->d_name, &end, 10);
		if (*end == '\0' && pid > 1 && pid != (long)getpid() &&
		    works_on((pid_t)pid, home))
			kill((pid_t)pid, SIGKILL);
	}
	closedir(d);
}

void
keys_stop_agent(const char *home)
{
	char sock[4096];

	if (gpgconf_run(home, "--kill", "gpg-agent", NULL, 0, 5) != -1)
		return;
	/*
	 * An agent that does not answer even gpgconf: take its socket away,
	 * so the next gpg starts a new one (the old one notices and exits).
	 */
	if (gpgconf_run(home, "--list-dirs", "agent-socket", sock, sizeof sock,
	    5) == 0 && sock[0] == '/')
		unlink(sock);
}
