/* The file-I/O floor for nscgroup jobs on cgroup v1: the same reads and writes nscgroup does,
 * then exec. Built static (gcc -O2 -static) so no dynamic loading is counted.
 * NAME is relative to the caller's own cgroup in each hierarchy (from /proc/self/cgroup), like
 * nscgroup's relative paths. Limits: memory 32M and pids 20 (the benchmark's job).
 * Usage: floor_cgroup create NAME        (= nscgroup create NAME --memory=32M --pids=20)
 *        floor_cgroup exec NAME PROG...  (= nscgroup exec NAME -- PROG...)
 *        floor_cgroup delete NAME        (= nscgroup delete NAME)
 *        floor_cgroup rm NAME PROG...    (= nscgroup exec --rm NAME --memory=32M --pids=20 -- PROG)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"


static void put(const char *d, const char *file, const char *text) {
	char p[4200];
	snprintf(p, sizeof p, "%s/%s", d, file);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) < 0) _exit(1);
	close(fd);
}

static void resolve(const char *name) {
	if (cgroup_resolve(name) < 0) _exit(1);
}

static void create(void) {
	for (int i = 0; i < 2; i++)
		if (mkdir(dir[i], 0755) < 0) _exit(1);
	put(dir[0], "memory.limit_in_bytes", "33554432");
	put(dir[1], "pids.max", "20");
}

static void attach(void) {
	char pid[32];
	snprintf(pid, sizeof pid, "%d", getpid());
	for (int i = 0; i < 2; i++) put(dir[i], "cgroup.procs", pid);
}

static void delete(void) {
	for (int i = 0; i < 2; i++)
		if (rmdir(dir[i]) < 0) _exit(1);
}

int main(int argc, char **argv) {
	if (argc < 3) return 2;
	resolve(argv[2]);
	if (!strcmp(argv[1], "create")) {
		create();
	} else if (!strcmp(argv[1], "delete")) {
		delete();
	} else if (!strcmp(argv[1], "exec") && argc > 3) {
		attach();
		execv(argv[3], argv + 3);
		return 127;
	} else if (!strcmp(argv[1], "rm") && argc > 3) {
		create();
		pid_t c = fork();
		if (c == 0) {
			attach();
			execv(argv[3], argv + 3);
			_exit(127);
		}
		int st;
		if (c < 0 || waitpid(c, &st, 0) < 0) return 1;
		delete();
		return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	} else {
		return 2;
	}
	return 0;
}
