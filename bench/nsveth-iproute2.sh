#!/bin/sh
# The iproute2 command sequence that does what
#   nsveth add --netns=NETNS --host=HOST --host-addr=HADDR --peer-addr=PADDR --gateway
# does (IPv4; NETNS a name in /run/netns; the IPv6 form would add `nodad` to the addresses).
#   nsveth-iproute2.sh NETNS HOST HADDR/PREFIX PADDR/PREFIX GATEWAY
set -e
ip link add "$2" type veth peer name eth0 netns "$1"
ip link set "$2" up
ip addr add "$3" dev "$2"
ip -n "$1" link set lo up
ip -n "$1" link set eth0 up
ip -n "$1" addr add "$4" dev eth0
ip -n "$1" route add default via "$5"
