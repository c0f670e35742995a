/* The syscall floor for writing the uid map of a process (as root): open its /proc directory,
 * open uid_map relative to it, one write. Usage: floor_idmap PID INNER OUTER COUNT */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 5) return 2;
	char dir[64];
	snprintf(dir, sizeof dir, "/proc/%s", argv[1]);
	int d = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d < 0) return 1;
	int fd = openat(d, "uid_map", O_WRONLY | O_CLOEXEC);
	if (fd < 0) return 1;
	char line[64];
	int n = snprintf(line, sizeof line, "%s %s %s\n", argv[2], argv[3], argv[4]);
	return write(fd, line, n) == n ? 0 : 1;
}
