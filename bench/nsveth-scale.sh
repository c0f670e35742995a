#!/bin/sh
# Per-pair cost of `nsveth add` when adding N pairs into N namespaces, one after the other:
#   bench/nsveth-scale.sh NSVETH N     prints "N pairs: T ms per pair"
# Target: the per-pair cost at N=500 within 1.3x of N=10. Namespaces are made beforehand (not
# timed) and everything is removed afterwards.
set -eu
bin=$1 n=$2 tag=nsvs$$
trap 'for i in $(seq 1 "$n"); do ip link del "$tag-$i" 2>/dev/null || true; ip netns del "$tag-$i" 2>/dev/null || true; done' EXIT
for i in $(seq 1 "$n"); do ip netns add "$tag-$i"; done
start=$(date +%s%N)
for i in $(seq 1 "$n"); do
  "$bin" add --netns="$tag-$i" --host="$tag-$i" \
    --host-addr="10.$((200 + i / 250)).$((i % 250)).1/24" \
    --peer-addr="10.$((200 + i / 250)).$((i % 250)).2/24" --gateway
done
end=$(date +%s%N)
echo "$n pairs: $(( (end - start) / n / 1000 )) us per pair"
