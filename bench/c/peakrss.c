/* peakrss CMD [ARGS...]: run CMD, print its peak RSS in KiB (ru_maxrss) on stderr as
 * "peakrss <n>", and exit with its status. Static and tiny, so that the fork it does before
 * exec does not count a large parent's pages against CMD. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc < 2) return 2;
	pid_t pid = fork();
	if (pid < 0) return 1;
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) return 1;
	fprintf(stderr, "peakrss %ld\n", ru.ru_maxrss);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
