/* The cgroup paths shared by the floors: NAME below the caller's own cgroup, as nscgroup resolves
 * a relative path run by root (from /proc/self/cgroup). On a pure cgroup v2 host (the root holds
 * cgroup.controllers): one directory, dir[0], in the cgroup2 hierarchy. Otherwise cgroup v1: the
 * memory and pids hierarchies, dir[0] and dir[1]. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *ctrl[] = {"memory", "pids"};
static char dir[2][4096];
static int ndirs;     /* how many of dir[] this layout uses */
static int cgroup_v2; /* a pure v2 host */

/* Fill dir[] for NAME; -1 if /proc/self/cgroup lacks a hierarchy. */
static int cgroup_resolve(const char *name) {
	char buf[8192];
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0) close(fd);
	if (n <= 0) return -1;
	buf[n] = 0;
	cgroup_v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
	ndirs = cgroup_v2 ? 1 : 2;
	for (int i = 0; i < ndirs; i++) {
		char key[32];
		if (cgroup_v2)
			snprintf(key, sizeof key, "0::");
		else
			snprintf(key, sizeof key, ":%s:", ctrl[i]);
		char *l = strstr(buf, key);
		if (!l) return -1;
		l += strlen(key);
		int len = strcspn(l, "\n");
		if (len == 1) len = 0; /* own path "/" */
		if (cgroup_v2)
			snprintf(dir[i], sizeof dir[i], "/sys/fs/cgroup%.*s/%s", len, l, name);
		else
			snprintf(dir[i], sizeof dir[i], "/sys/fs/cgroup/%s%.*s/%s", ctrl[i], len, l, name);
	}
	return 0;
}

/* clone3(CLONE_INTO_CGROUP | flags) into the cgroup2 directory open at `cgroup` (Linux 5.7). */
#include <linux/sched.h>
#include <sys/syscall.h>
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
static pid_t clone_into(int cgroup, unsigned long long flags) {
	struct clone_args a;
	memset(&a, 0, sizeof a);
	a.flags = CLONE_INTO_CGROUP | flags;
	a.exit_signal = SIGCHLD;
	a.cgroup = cgroup;
	return syscall(SYS_clone3, &a, sizeof a);
}
