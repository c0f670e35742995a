/* The v1 cgroup paths shared by the floors: NAME below the caller's own cgroup in the memory and
 * pids hierarchies (from /proc/self/cgroup), as nscgroup resolves a relative path. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *ctrl[] = {"memory", "pids"};
static char dir[2][4096];

/* dir[i] = /sys/fs/cgroup/<ctrl>/<own path>/NAME; -1 if /proc/self/cgroup lacks a hierarchy. */
static int cgroup_resolve(const char *name) {
	char buf[8192];
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0) close(fd);
	if (n <= 0) return -1;
	buf[n] = 0;
	for (int i = 0; i < 2; i++) {
		char key[32];
		snprintf(key, sizeof key, ":%s:", ctrl[i]);
		char *l = strstr(buf, key);
		if (!l) return -1;
		l += strlen(key);
		int len = strcspn(l, "\n");
		if (len == 1) len = 0; /* own path "/" */
		snprintf(dir[i], sizeof dir[i], "/sys/fs/cgroup/%s%.*s/%s", ctrl[i], len, l, name);
	}
	return 0;
}
