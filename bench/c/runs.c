/* runs N CMD [ARGS...]: run CMD N times, its output to /dev/null and no descriptor but the
 * standard ones, and print one line per run: the wall-clock time in microseconds, the peak RSS
 * (ru_maxrss) in KiB and the CPU time (user + system) in microseconds; a run that fails is run again (five times at most). Static and tiny,
 * so that its own pages and start-up count for nothing. For bench/nsls.sh. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 3) return 2;
	int n = atoi(argv[1]), retries = 0;
	for (int i = 0; i < n; i++) {
		struct timespec a, b;
		struct rusage ru;
		int status;
		clock_gettime(CLOCK_MONOTONIC, &a);
		pid_t p = fork();
		if (p < 0) return 1;
		if (p == 0) {
			int null = open("/dev/null", O_WRONLY);
			dup2(null, 1);
			syscall(SYS_close_range, 3, ~0U, 0);
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		if (wait4(p, &status, 0, &ru) < 0) return 1;
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			/* lsns gives up (status 1, no message) when a process ends while it reads it: on
			 * a busy machine, run it again, a few times at most. */
			if (++retries > 5) {
				fprintf(stderr, "runs: %s failed\n", argv[2]);
				return 1;
			}
			i--;
			continue;
		}
		long cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
			   ru.ru_stime.tv_usec;
		printf("%ld %ld %ld\n", (long)((b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000),
		       ru.ru_maxrss, cpu);
	}
	return 0;
}
