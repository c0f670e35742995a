/* The syscall floor for the composed container of examples/container.sh: exactly the system calls
 * of that container, nothing else. Built static (gcc -O2 -static) so no dynamic loading is counted.
 * Usage: floor_container [--attach] ROOTFS PROGRAM [ARG...]
 *        (as root; exits with PROGRAM's status)
 *
 * Outside (this process, in the host's namespaces):
 *   a cgroup below our own cgroup (relative, like nscgroup, cgroup.h): on v1 in memory and pids
 *     (memory.limit_in_bytes=64M, pids.max=20), on a pure v2 host one cgroup2 directory
 *     (memory.max, pids.max; the controllers enabled already);
 *   a child directly in new user, pid, mount, uts, ipc, net and cgroup namespaces (the cheapest
 *     holding/setup split: we stay outside, the child waits on a pipe): on v2 created inside its
 *     cgroup by clone3(CLONE_INTO_CGROUP), as nsunshare --into-cgroup does, unless --attach
 *     asks for clone() and a move (attach after start, as on v1);
 *   its maps 0 100000 65536 for uid and gid through /proc/PID;
 *   a veth pair, the peer eth0 created directly in its network namespace (one RTM_NEWLINK,
 *     host end up), 10.200.0.1/30 on the host end; inside lo and eth0 up, 10.200.0.2/30 and a
 *     default route, one batched datagram per namespace (as nsveth does; netlink.h);
 *   (v1, --attach) the child into the cgroup; the go-ahead byte; wait; remove the cgroup (the
 *     veth pair goes with the network namespace).
 * Inside (the child, pid 1 of its namespace): setgroups/setgid/setuid 0, the parent-death
 *   signal (--kill-child), rprivate /, rbind ROOTFS on itself, proc, sysfs, a /dev tmpfs with
 *   null zero full random urandom tty bind-mounted from the host (no mknod in a user
 *   namespace), its links, devpts, /dev/shm, /dev/mqueue, hostname box, pivot_root(".", "."),
 *   umount2(".", MNT_DETACH), exec PROGRAM.
 */
#include "netlink.h"

#include <grp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cgroup.h"

#define NAMESPACES (CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | \
		    CLONE_NEWNET | CLONE_NEWCGROUP)
#define PSEUDO (MS_NOSUID | MS_NODEV | MS_NOEXEC)

static int made;    /* cgroup directories made */
static pid_t child; /* until reaped */

static void fail(const char *what) { die(what, errno); }

/* atexit: every way out of the parent (die() included) removes what was made. */
static void cleanup(void) {
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	for (int i = made - 1; i >= 0; i--)
		for (int tries = 0; rmdir(dir[i]) < 0 && errno == EBUSY && tries < 1000; tries++)
			sched_yield(); /* the namespace's last processes still leaving the cgroup */
}

static void put_at(int d, const char *file, const char *text) {
	int fd = openat(d, file, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) < 0) die(file, errno);
	close(fd);
}

static void put(const char *d, const char *file, const char *text) {
	char p[4200];
	snprintf(p, sizeof p, "%s/%s", d, file);
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) < 0) die(p, errno);
	close(fd);
}

static void resolve(const char *name) {
	if (cgroup_resolve(name) < 0) fail("/proc/self/cgroup");
}

static void mnt(const char *src, const char *dst, const char *type, unsigned long flags,
		const char *data) {
	if (mount(src, dst, type, flags, data) < 0) {
		fprintf(stderr, "floor_container: mount %s on %s: %s\n", src ? src : type, dst, strerror(errno));
		_exit(1);
	}
}

static void must(int rc, const char *what) {
	if (rc < 0) {
		fprintf(stderr, "floor_container: %s: %s\n", what, strerror(errno));
		_exit(1);
	}
}

/* The child: wait for the go-ahead, then build the container and exec. Never returns. */
static void inside(int gate, const char *rootfs, char **argv) {
	char go;
	if (read(gate, &go, 1) != 1) _exit(1); /* the parent failed (and cleans up) */
	must(setgroups(0, NULL), "setgroups");
	must(setgid(0), "setgid");
	must(setuid(0), "setuid");
	must(prctl(PR_SET_PDEATHSIG, SIGKILL), "prctl");
	mnt(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	mnt(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL);
	must(chdir(rootfs), rootfs); /* into the bind mount: the rest is relative to it */
	mnt("proc", "proc", "proc", PSEUDO, NULL);
	mnt("sysfs", "sys", "sysfs", PSEUDO, NULL);
	mnt("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755");
	static const char *nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
	for (int i = 0; i < 6; i++) {
		char host[32], here[32];
		snprintf(host, sizeof host, "/dev/%s", nodes[i]);
		snprintf(here, sizeof here, "dev/%s", nodes[i]);
		int fd = open(here, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		must(fd, here);
		close(fd);
		mnt(host, here, NULL, MS_BIND, NULL);
	}
	static const char *links[][2] = {{"/proc/self/fd", "dev/fd"},
					 {"/proc/self/fd/0", "dev/stdin"},
					 {"/proc/self/fd/1", "dev/stdout"},
					 {"/proc/self/fd/2", "dev/stderr"},
					 {"pts/ptmx", "dev/ptmx"}};
	for (int i = 0; i < 5; i++) must(symlink(links[i][0], links[i][1]), links[i][1]);
	must(mkdir("dev/pts", 0755), "dev/pts");
	mnt("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620");
	must(mkdir("dev/shm", 0755), "dev/shm");
	mnt("tmpfs", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
	must(mkdir("dev/mqueue", 0755), "dev/mqueue");
	mnt("mqueue", "dev/mqueue", "mqueue", PSEUDO, NULL);
	must(sethostname("box", 3), "sethostname");
	must(syscall(SYS_pivot_root, ".", "."), "pivot_root");
	must(umount2(".", MNT_DETACH), "umount old root");
	must(chdir("/"), "chdir /");
	execv(argv[0], argv);
	fprintf(stderr, "floor_container: exec %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

int main(int argc, char **argv) {
	int move = argc > 1 && !strcmp(argv[1], "--attach");
	argv += move;
	argc -= move;
	if (argc < 3) {
		fprintf(stderr, "usage: floor_container [--attach] ROOTFS PROGRAM [ARG...]\n");
		return 2;
	}
	pid_t me = getpid();
	char name[64], link[IFNAMSIZ];
	snprintf(name, sizeof name, "floor-container-%d", me);
	snprintf(link, sizeof link, "fc%d", me);
	resolve(name);
	atexit(cleanup);

	/* Cgroup. */
	for (int i = 0; i < ndirs; i++) {
		if (mkdir(dir[i], 0755) < 0) fail(dir[i]);
		made++;
	}
	if (cgroup_v2) {
		put(dir[0], "memory.max", "67108864");
		put(dir[0], "pids.max", "20");
	} else {
		put(dir[0], "memory.limit_in_bytes", "67108864");
		put(dir[1], "pids.max", "20");
		move = 1;
	}

	int gate[2];
	if (pipe2(gate, O_CLOEXEC) < 0) fail("pipe");
	if (move) {
		child = syscall(SYS_clone, NAMESPACES | SIGCHLD, NULL, NULL, NULL, 0);
	} else {
		int fd = open(dir[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) fail(dir[0]);
		child = clone_into(fd, NAMESPACES);
		if (child > 0) close(fd);
	}
	if (child < 0) fail("clone");
	if (child == 0) {
		close(gate[1]);
		inside(gate[0], argv[1], argv + 2);
	}

	/* Maps. */
	char path[64];
	snprintf(path, sizeof path, "/proc/%d", child);
	int proc = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc < 0) fail(path);
	put_at(proc, "uid_map", "0 100000 65536\n");
	put_at(proc, "gid_map", "0 100000 65536\n");

	/* Network. */
	struct in_addr ha = {htonl(0x0ac80001)}, pa = {htonl(0x0ac80002)}; /* 10.200.0.1, .2 */
	int ns = openat(proc, "ns/net", O_RDONLY | O_CLOEXEC);
	if (ns < 0) fail("ns/net");
	int host = nlsock(), in = nlsock_in(ns);
	new_veth(host, link, "eth0", ns);
	int pidx, hidx = link_index(host, link, &pidx);
	struct batch here = {0}, there = {0};
	struct req r;
	msg_addr(&r, hidx, ha, 30);
	batch_add(&here, &r.h);
	msg_link_up(&r, 1);
	batch_add(&there, &r.h);
	msg_link_up(&r, pidx);
	batch_add(&there, &r.h);
	msg_addr(&r, pidx, pa, 30);
	batch_add(&there, &r.h);
	msg_default_route(&r, ha, pidx);
	batch_add(&there, &r.h);
	batch_send(host, &here, "host address");
	batch_send(in, &there, "lo up");
	batch_wait(host, &here, (const char *const[]){"host address"});
	batch_wait(in, &there, (const char *const[]){"lo up", "eth0 up", "peer address", "default route"});

	/* Into the cgroup, where it did not start there. */
	char pid[32];
	snprintf(pid, sizeof pid, "%d", child);
	for (int i = 0; move && i < ndirs; i++) put(dir[i], "cgroup.procs", pid);

	/* Go. */
	if (write(gate[1], "", 1) != 1) fail("go-ahead");
	int st;
	if (waitpid(child, &st, 0) < 0) fail("wait");
	child = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
