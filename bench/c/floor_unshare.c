/* The syscall floor for nsunshare jobs: exactly the system calls the job needs, then exec.
 * Built static (gcc -O2 -static) so no dynamic loading is counted.
 * Usage: floor_unshare MODE [PROGRAM]   (PROGRAM defaults to /bin/true)
 *   floor_unshare r       unshare(USER), maps, exec true       (= unshare -r true)
 *   floor_unshare urpf    + PID|NS, fork, mount /proc           (= unshare -Urpf --mount-proc true)
 *   floor_unshare n       unshare(NET), exec true               (= unshare -n true)
 *   floor_unshare all     the 7 non-user kinds, fork, exec true (= unshare -muinpCT -f true)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static void put(const char *file, const char *text) {
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) < 0) _exit(1);
	close(fd);
}

static unsigned euid, egid; /* read before unshare: afterwards they are the overflow ids */

static void maps(void) {
	char line[64];
	snprintf(line, sizeof line, "0 %u 1", euid);
	put("/proc/self/uid_map", line);
	put("/proc/self/setgroups", "deny");
	snprintf(line, sizeof line, "0 %u 1", egid);
	put("/proc/self/gid_map", line);
}

static int run_forked(void) {
	pid_t pid = fork();
	if (pid < 0) return 1;
	if (pid > 0) {
		int st;
		if (waitpid(pid, &st, 0) < 0) return 1;
		return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	}
	return -1;
}

int main(int argc, char **argv) {
	const char *mode = argc > 1 ? argv[1] : "r";
	euid = geteuid();
	egid = getegid();
	if (!strcmp(mode, "r")) {
		if (unshare(CLONE_NEWUSER)) return 1;
		maps();
	} else if (!strcmp(mode, "urpf")) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS)) return 1;
		int rc = run_forked();
		if (rc >= 0) return rc;
		maps();
		if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL)) _exit(1);
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL)) _exit(1);
	} else if (!strcmp(mode, "n")) {
		if (unshare(CLONE_NEWNET)) return 1;
	} else if (!strcmp(mode, "all")) {
		if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWPID |
			    CLONE_NEWCGROUP | CLONE_NEWTIME)) return 1;
		int rc = run_forked();
		if (rc >= 0) return rc;
		if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL)) _exit(1);
	} else {
		return 2;
	}
	const char *prog = argc > 2 ? argv[2] : "/bin/true";
	execl(prog, prog, (char *) NULL);
	_exit(127);
}
