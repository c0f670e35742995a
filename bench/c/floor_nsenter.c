/* The syscall floor for `nsenter -t PID -n -m PROGRAM`: one pidfd, one setns for both
 * namespaces, exec. Usage: floor_nsenter PID PROGRAM */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 3) return 2;
	int pidfd = (int) syscall(SYS_pidfd_open, atoi(argv[1]), 0);
	if (pidfd < 0 || setns(pidfd, CLONE_NEWNET | CLONE_NEWNS)) return 1;
	close(pidfd);
	execv(argv[2], argv + 2);
	_exit(127);
}
