/* The file-I/O floor for nscgroup jobs: the same reads and writes nscgroup does, then exec. Built
 * static (gcc -O2 -static) so no dynamic loading is counted. NAME is relative to the caller's own
 * cgroup (cgroup.h), like nscgroup's relative paths; on cgroup v2 the controllers are enabled
 * already (the benchmark enables them, nscgroup then only checks). Limits: memory 32M and pids 20
 * (the benchmark's job).
 * Usage: floor_cgroup create NAME          (= nscgroup create NAME --memory=32M --pids=20)
 *        floor_cgroup exec NAME PROG...    (= nscgroup exec NAME -- PROG..., moving itself)
 *        floor_cgroup delete NAME          (= nscgroup delete NAME)
 *        floor_cgroup rm NAME PROG...      (= nscgroup exec --rm NAME --memory=32M --pids=20 --
 *                                             PROG, with the same crash safety: a watcher
 *                                             process that removes the cgroup if we are killed,
 *                                             and the program tied to us by PR_SET_PDEATHSIG; on
 *                                             v2 the program's process is created inside with
 *                                             clone3(CLONE_INTO_CGROUP), on v1 it moves in)
 *        floor_cgroup rm-attach NAME PROG  (the same, the program moving in after it started:
 *                                             fork, then a write to cgroup.procs, on v2 too)
 *        floor_cgroup rm-bare NAME PROG    (rm without the watcher and PR_SET_PDEATHSIG)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
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
	for (int i = 0; i < ndirs; i++)
		if (mkdir(dir[i], 0755) < 0) _exit(1);
	if (cgroup_v2) {
		put(dir[0], "memory.max", "33554432");
		put(dir[0], "pids.max", "20");
	} else {
		put(dir[0], "memory.limit_in_bytes", "33554432");
		put(dir[1], "pids.max", "20");
	}
}

static void attach(void) {
	for (int i = 0; i < ndirs; i++) put(dir[i], "cgroup.procs", "0");
}

static void delete(void) {
	for (int i = 0; i < ndirs; i++)
		if (rmdir(dir[i]) < 0) _exit(1);
}

/* The program's process: tied to `parent` (unless 0), moved in when `move`, then executed. */
static void run(char **argv, pid_t parent, int move) {
	if (parent && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)) _exit(1);
	if (move) attach();
	execv(argv[0], argv);
	_exit(127);
}

/* A process that waits for our word on a pipe; if the pipe closes without it (we were killed),
 * it kills what is left and removes the cgroup. Returns the pipe's write end. */
static int watcher(void) {
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) _exit(1);
	pid_t w = fork();
	if (w < 0) _exit(1);
	if (w == 0) {
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		setsid();
		close(p[1]);
		char word;
		if (read(p[0], &word, 1) != 1) {
			for (int i = 0; i < ndirs; i++) {
				if (cgroup_v2) put(dir[i], "cgroup.kill", "1");
				rmdir(dir[i]);
			}
		}
		_exit(0);
	}
	close(p[0]);
	return p[1];
}

/* exec --rm: `mode` 0 rm, 1 rm-attach, 2 rm-bare. */
static int rm(char **argv, int mode) {
	create();
	int word = mode == 2 ? -1 : watcher();
	pid_t me = mode == 2 ? 0 : getpid();
	pid_t c;
	if (cgroup_v2 && mode != 1) {
		int fd = open(dir[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) _exit(1);
		c = clone_into(fd, 0);
		if (c == 0) run(argv, me, 0);
		close(fd);
	} else {
		c = fork();
		if (c == 0) run(argv, me, 1);
	}
	int st;
	if (c < 0 || waitpid(c, &st, 0) < 0) return 1;
	delete();
	if (word >= 0 && (write(word, "", 1) != 1 || close(word) < 0)) return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main(int argc, char **argv) {
	if (argc < 3) return 2;
	resolve(argv[2]);
	if (!strcmp(argv[1], "create")) {
		create();
	} else if (!strcmp(argv[1], "delete")) {
		delete();
	} else if (!strcmp(argv[1], "exec") && argc > 3) {
		run(argv + 3, 0, 1);
	} else if (!strcmp(argv[1], "rm") && argc > 3) {
		return rm(argv + 3, 0);
	} else if (!strcmp(argv[1], "rm-attach") && argc > 3) {
		return rm(argv + 3, 1);
	} else if (!strcmp(argv[1], "rm-bare") && argc > 3) {
		return rm(argv + 3, 2);
	} else {
		return 2;
	}
	return 0;
}
