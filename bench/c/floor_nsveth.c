/* The syscall floor for `nsveth add`: the same netlink requests nsveth makes, nothing else.
 * Built static (gcc -O2 -static) so no dynamic loading is counted.
 * Usage: floor_nsveth NETNS-FILE HOST HOST-ADDR PEER-ADDR PREFIX
 *   = nsveth add --netns=NETNS-FILE --host=HOST --host-addr=HOST-ADDR/PREFIX
 *                --peer-addr=PEER-ADDR/PREFIX --gateway          (IPv4, peer named eth0)
 * Requests: RTM_NEWLINK veth (host up, peer in the netns by IFLA_NET_NS_FD), RTM_GETLINK host
 * (its index and the peer's), then inside: lo up, eth0 up; host address, peer address (nodad),
 * default route inside. Each request waits for its ack, as nsveth does.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct req {
	struct nlmsghdr h;
	char buf[1024];
};
static unsigned seq;
static char rbuf[65536];

static void *tail(struct nlmsghdr *h) { return (char *)h + NLMSG_ALIGN(h->nlmsg_len); }

static struct rtattr *attr(struct nlmsghdr *h, int type, const void *data, int len) {
	struct rtattr *a = tail(h);
	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	if (len) memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}
static void end(struct nlmsghdr *h, struct rtattr *a) { a->rta_len = (char *)tail(h) - (char *)a; }

static void die(const char *what, int err) {
	fprintf(stderr, "floor_nsveth: %s: %s\n", what, strerror(err));
	exit(1);
}

/* Send and wait for the ack; with `out`, copy the first data reply there. */
static void talk(int fd, struct nlmsghdr *h, const char *what, void *out, size_t outlen) {
	struct sockaddr_nl k = {.nl_family = AF_NETLINK};
	h->nlmsg_seq = ++seq;
	h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (sendto(fd, h, h->nlmsg_len, 0, (struct sockaddr *)&k, sizeof k) < 0) die(what, errno);
	for (;;) {
		ssize_t n = recv(fd, rbuf, sizeof rbuf, 0);
		if (n < 0) die(what, errno);
		for (struct nlmsghdr *r = (void *)rbuf; NLMSG_OK(r, n); r = NLMSG_NEXT(r, n)) {
			if (r->nlmsg_seq != seq) die(what, EPROTO);
			if (r->nlmsg_type == NLMSG_ERROR) {
				int e = ((struct nlmsgerr *)NLMSG_DATA(r))->error;
				if (e) die(what, -e);
				return;
			}
			if (out) memcpy(out, r, r->nlmsg_len < outlen ? r->nlmsg_len : outlen);
		}
	}
}

static int nlsock(void) {
	int one = 1, fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) die("socket", errno);
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
	return fd;
}

static void link_up(int fd, int index, const char *what) {
	struct req r = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_NEWLINK}};
	struct ifinfomsg *i = NLMSG_DATA(&r.h);
	i->ifi_index = index;
	i->ifi_flags = i->ifi_change = IFF_UP;
	talk(fd, &r.h, what, NULL, 0);
}

static void addr(int fd, int index, struct in_addr a, int prefix, const char *what) {
	struct req r = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)), .nlmsg_type = RTM_NEWADDR,
			      .nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL}};
	struct ifaddrmsg *i = NLMSG_DATA(&r.h);
	unsigned flags = IFA_F_NODAD;
	i->ifa_family = AF_INET;
	i->ifa_prefixlen = prefix;
	i->ifa_flags = IFA_F_NODAD;
	i->ifa_index = index;
	attr(&r.h, IFA_LOCAL, &a, 4);
	attr(&r.h, IFA_ADDRESS, &a, 4);
	attr(&r.h, IFA_FLAGS, &flags, 4);
	talk(fd, &r.h, what, NULL, 0);
}

int main(int argc, char **argv) {
	if (argc != 6) {
		fprintf(stderr, "usage: floor_nsveth NETNS-FILE HOST HOST-ADDR PEER-ADDR PREFIX\n");
		return 2;
	}
	struct in_addr ha, pa;
	int prefix = atoi(argv[5]);
	if (!inet_pton(AF_INET, argv[3], &ha) || !inet_pton(AF_INET, argv[4], &pa)) return 2;
	int ns = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (ns < 0) die(argv[1], errno);
	int host = nlsock();
	int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (own < 0 || setns(ns, CLONE_NEWNET) < 0) die("setns", errno);
	int in = nlsock();
	if (setns(own, CLONE_NEWNET) < 0) die("setns back", errno);

	/* The pair, peer inside, host end up. */
	struct req r = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_NEWLINK,
			      .nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL}};
	struct ifinfomsg *i = NLMSG_DATA(&r.h);
	i->ifi_flags = i->ifi_change = IFF_UP;
	attr(&r.h, IFLA_IFNAME, argv[2], strlen(argv[2]) + 1);
	struct rtattr *info = attr(&r.h, IFLA_LINKINFO, NULL, 0);
	attr(&r.h, IFLA_INFO_KIND, "veth", 5);
	struct rtattr *data = attr(&r.h, IFLA_INFO_DATA, NULL, 0);
	struct rtattr *peer = attr(&r.h, VETH_INFO_PEER, NULL, 0);
	r.h.nlmsg_len += sizeof(struct ifinfomsg);
	attr(&r.h, IFLA_IFNAME, "eth0", 5);
	attr(&r.h, IFLA_NET_NS_FD, &ns, 4);
	end(&r.h, peer);
	end(&r.h, data);
	end(&r.h, info);
	talk(host, &r.h, "create veth pair", NULL, 0);

	/* Its index, and the peer's (IFLA_LINK). */
	struct req g = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_GETLINK}};
	attr(&g.h, IFLA_IFNAME, argv[2], strlen(argv[2]) + 1);
	static char reply[8192];
	talk(host, &g.h, "find host end", reply, sizeof reply);
	struct nlmsghdr *rh = (void *)reply;
	struct ifinfomsg *ri = NLMSG_DATA(rh);
	int hidx = ri->ifi_index, pidx = 0, len = IFLA_PAYLOAD(rh);
	for (struct rtattr *a = IFLA_RTA(ri); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_LINK) pidx = *(int *)RTA_DATA(a);

	link_up(in, 1, "lo up");
	link_up(in, pidx, "eth0 up");
	addr(host, hidx, ha, prefix, "host address");
	addr(in, pidx, pa, prefix, "peer address");

	struct req rt = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)), .nlmsg_type = RTM_NEWROUTE,
			       .nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL}};
	struct rtmsg *m = NLMSG_DATA(&rt.h);
	m->rtm_family = AF_INET;
	m->rtm_table = RT_TABLE_MAIN;
	m->rtm_protocol = RTPROT_BOOT;
	m->rtm_scope = RT_SCOPE_UNIVERSE;
	m->rtm_type = RTN_UNICAST;
	attr(&rt.h, RTA_GATEWAY, &ha, 4);
	attr(&rt.h, RTA_OIF, &pidx, 4);
	talk(in, &rt.h, "default route", NULL, 0);
	return 0;
}
