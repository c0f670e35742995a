/* nsload N: start N processes, the i-th in a new namespace of the (i mod 6)-th of uts, ipc,
 * net, mnt, cgroup, user, each holding only /dev/null (one open file, inherited from here) as
 * its standard input, output and error;
 * print "ready" once all are in place, then wait until stdin closes or a signal comes, and take
 * them along (they also die with this process: PR_SET_PDEATHSIG). For bench/nsls.sh. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const int kinds[] = {CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWNET,
			    CLONE_NEWNS,  CLONE_NEWCGROUP, CLONE_NEWUSER};

int main(int argc, char **argv) {
	int n = argc > 1 ? atoi(argv[1]) : 500;
	pid_t *pids = calloc(n, sizeof *pids);
	int ready[2];
	/* Standard input, output and error inherited from here, as a shell's jobs share them. */
	int null = open("/dev/null", O_RDWR);
	if (!pids || null < 0 || pipe(ready) < 0) return 1;
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p < 0) return 1;
		if (p == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (unshare(kinds[i % 6]) < 0) _exit(1);
			if (write(ready[1], "", 1) != 1) _exit(1);
			dup2(null, 0), dup2(null, 1), dup2(null, 2);
			syscall(SYS_close_range, 3, ~0U, 0);
			for (;;) pause();
		}
		pids[i] = p;
	}
	close(ready[1]);
	int got = 0;
	char b;
	while (got < n && read(ready[0], &b, 1) == 1) got++;
	close(ready[0]);
	if (got < n) return 1;
	printf("ready\n");
	fflush(stdout);
	char c;
	while (read(0, &c, 1) > 0) {}
	for (int i = 0; i < n; i++) kill(pids[i], SIGKILL);
	while (wait(NULL) > 0) {}
	return 0;
}
