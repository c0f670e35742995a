/* Raw rtnetlink for the floors (floor_nsveth, floor_container): build requests in place, send
 * them one at a time or batched in one datagram, wait for the acks. Failures print
 * "PROGRAM: WHAT: strerror" and exit(1) (so atexit handlers clean up).
 */
#ifndef FLOOR_NETLINK_H
#define FLOOR_NETLINK_H
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
static char rbuf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));

static inline void *tail(struct nlmsghdr *h) { return (char *)h + NLMSG_ALIGN(h->nlmsg_len); }

static inline struct rtattr *attr(struct nlmsghdr *h, int type, const void *data, int len) {
	struct rtattr *a = tail(h);
	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	if (len) memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}
static inline void end(struct nlmsghdr *h, struct rtattr *a) { a->rta_len = (char *)tail(h) - (char *)a; }

static inline void die(const char *what, int err) {
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what, strerror(err));
	exit(1);
}

/* Send and wait for the ack; with `out`, copy the first data reply there. */
static inline void talk(int fd, struct nlmsghdr *h, const char *what, void *out, size_t outlen) {
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

/* A batch: requests appended to one buffer, sent as one datagram; the kernel handles them in
 * order and acks each. */
struct batch {
	unsigned len, count, first;
	char buf[4096] __attribute__((aligned(NLMSG_ALIGNTO)));
};

static inline void batch_add(struct batch *b, struct nlmsghdr *h) {
	h->nlmsg_seq = ++seq;
	h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (!b->count) b->first = h->nlmsg_seq;
	memcpy(b->buf + b->len, h, h->nlmsg_len);
	b->len += NLMSG_ALIGN(h->nlmsg_len);
	b->count++;
}

static inline void batch_send(int fd, struct batch *b, const char *what) {
	struct sockaddr_nl k = {.nl_family = AF_NETLINK};
	if (sendto(fd, b->buf, b->len, 0, (struct sockaddr *)&k, sizeof k) < 0) die(what, errno);
}

/* Wait for every ack of the batch; `what[i]` names request i in an error. */
static inline void batch_wait(int fd, struct batch *b, const char *const *what) {
	unsigned acked = 0;
	int failed = 0, err = 0;
	while (acked < b->count) {
		ssize_t n = recv(fd, rbuf, sizeof rbuf, 0);
		if (n < 0) die(what[acked], errno);
		for (struct nlmsghdr *r = (void *)rbuf; NLMSG_OK(r, n); r = NLMSG_NEXT(r, n)) {
			unsigned i = r->nlmsg_seq - b->first;
			if (i >= b->count) die(what[0], EPROTO);
			if (r->nlmsg_type != NLMSG_ERROR) continue;
			int e = ((struct nlmsgerr *)NLMSG_DATA(r))->error;
			if (e && !err) failed = i, err = -e;
			acked++;
		}
	}
	if (err) die(what[failed], err);
}

static inline int nlsock(void) {
	int one = 1, fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) die("socket", errno);
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
	return fd;
}

/* A netlink socket in the network namespace `ns` (an fd), through setns and back. */
static inline int nlsock_in(int ns) {
	int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (own < 0 || setns(ns, CLONE_NEWNET) < 0) die("setns", errno);
	int fd = nlsock();
	if (setns(own, CLONE_NEWNET) < 0) die("setns back", errno);
	close(own);
	return fd;
}

static inline void msg_link_up(struct req *r, int index) {
	memset(r, 0, sizeof *r);
	r->h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r->h.nlmsg_type = RTM_NEWLINK;
	struct ifinfomsg *i = NLMSG_DATA(&r->h);
	i->ifi_index = index;
	i->ifi_flags = i->ifi_change = IFF_UP;
}

static inline void msg_addr(struct req *r, int index, struct in_addr a, int prefix) {
	memset(r, 0, sizeof *r);
	r->h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	r->h.nlmsg_type = RTM_NEWADDR;
	r->h.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	struct ifaddrmsg *i = NLMSG_DATA(&r->h);
	unsigned flags = IFA_F_NODAD;
	i->ifa_family = AF_INET;
	i->ifa_prefixlen = prefix;
	i->ifa_flags = IFA_F_NODAD;
	i->ifa_index = index;
	attr(&r->h, IFA_LOCAL, &a, 4);
	attr(&r->h, IFA_ADDRESS, &a, 4);
	attr(&r->h, IFA_FLAGS, &flags, 4);
}

/* Default route via `gw` over link `oif`. */
static inline void msg_default_route(struct req *r, struct in_addr gw, int oif) {
	memset(r, 0, sizeof *r);
	r->h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	r->h.nlmsg_type = RTM_NEWROUTE;
	r->h.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	struct rtmsg *m = NLMSG_DATA(&r->h);
	m->rtm_family = AF_INET;
	m->rtm_table = RT_TABLE_MAIN;
	m->rtm_protocol = RTPROT_BOOT;
	m->rtm_scope = RT_SCOPE_UNIVERSE;
	m->rtm_type = RTN_UNICAST;
	attr(&r->h, RTA_GATEWAY, &gw, 4);
	attr(&r->h, RTA_OIF, &oif, 4);
}

/* A veth pair: HOST here and up, PEER created directly in the namespace `ns` (an fd). */
static inline void new_veth(int fd, const char *host, const char *peer, int ns) {
	struct req r = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_NEWLINK,
			      .nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL}};
	struct ifinfomsg *i = NLMSG_DATA(&r.h);
	i->ifi_flags = i->ifi_change = IFF_UP;
	attr(&r.h, IFLA_IFNAME, host, strlen(host) + 1);
	struct rtattr *info = attr(&r.h, IFLA_LINKINFO, NULL, 0);
	attr(&r.h, IFLA_INFO_KIND, "veth", 5);
	struct rtattr *data = attr(&r.h, IFLA_INFO_DATA, NULL, 0);
	struct rtattr *p = attr(&r.h, VETH_INFO_PEER, NULL, 0);
	r.h.nlmsg_len += sizeof(struct ifinfomsg);
	attr(&r.h, IFLA_IFNAME, peer, strlen(peer) + 1);
	attr(&r.h, IFLA_NET_NS_FD, &ns, 4);
	end(&r.h, p);
	end(&r.h, data);
	end(&r.h, info);
	talk(fd, &r.h, "create veth pair", NULL, 0);
}

/* The index of link NAME, and its IFLA_LINK (a veth's peer index) in *link. */
static inline int link_index(int fd, const char *name, int *link) {
	struct req g = {.h = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_GETLINK}};
	attr(&g.h, IFLA_IFNAME, name, strlen(name) + 1);
	static char reply[8192];
	talk(fd, &g.h, "find host end", reply, sizeof reply);
	struct nlmsghdr *rh = (void *)reply;
	struct ifinfomsg *ri = NLMSG_DATA(rh);
	int len = IFLA_PAYLOAD(rh);
	*link = 0;
	for (struct rtattr *a = IFLA_RTA(ri); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_LINK) *link = *(int *)RTA_DATA(a);
	return ri->ifi_index;
}

#endif
