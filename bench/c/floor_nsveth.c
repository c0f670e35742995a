/* The syscall floor for `nsveth add`: the same netlink requests nsveth makes, nothing else.
 * Built static (gcc -O2 -static) so no dynamic loading is counted.
 * Usage: floor_nsveth NETNS-FILE HOST HOST-ADDR PEER-ADDR PREFIX
 *   = nsveth add --netns=NETNS-FILE --host=HOST --host-addr=HOST-ADDR/PREFIX
 *                --peer-addr=PEER-ADDR/PREFIX --gateway          (IPv4, peer named eth0)
 * Requests: RTM_NEWLINK veth (host up, peer in the netns by IFLA_NET_NS_FD), RTM_GETLINK host
 * (its index and the peer's), then inside: lo up, eth0 up; host address, peer address (nodad),
 * default route inside. Each request waits for its ack. The netlink code is in netlink.h.
 */
#include "netlink.h"

static void one(int fd, struct req *r, const char *what) { talk(fd, &r->h, what, NULL, 0); }

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
	int in = nlsock_in(ns);

	new_veth(host, argv[2], "eth0", ns);
	int pidx, hidx = link_index(host, argv[2], &pidx);

	struct req r;
	msg_link_up(&r, 1);
	one(in, &r, "lo up");
	msg_link_up(&r, pidx);
	one(in, &r, "eth0 up");
	msg_addr(&r, hidx, ha, prefix);
	one(host, &r, "host address");
	msg_addr(&r, pidx, pa, prefix);
	one(in, &r, "peer address");
	msg_default_route(&r, ha, pidx);
	one(in, &r, "default route");
	return 0;
}
