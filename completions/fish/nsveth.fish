# fish completion for nsveth
set -l cmds add del list
complete -c nsveth -f
complete -c nsveth -n "not __fish_seen_subcommand_from $cmds" -a add -d 'connect a network namespace with a veth pair'
complete -c nsveth -n "not __fish_seen_subcommand_from $cmds" -a del -d 'delete a veth pair by its host end'
complete -c nsveth -n "not __fish_seen_subcommand_from $cmds" -a list -d 'show the veth links'
complete -c nsveth -n "__fish_seen_subcommand_from del" -a "(ls /sys/class/net)"
complete -c nsveth -s n -l netns -r -d 'namespace to connect: pid, path or /run/netns name'
complete -c nsveth -l host -r -d 'host end name'
complete -c nsveth -l peer -r -d 'end inside the namespace'
complete -c nsveth -l host-addr -r -d 'address of the host end'
complete -c nsveth -l peer-addr -r -d 'address of the end inside'
complete -c nsveth -l gateway -d 'default route inside via the first host address'
complete -c nsveth -l route -r -d 'route inside: DEST[,via=GW]'
complete -c nsveth -l mtu -r -d 'MTU of both ends'
complete -c nsveth -l peer-mac -r -d 'Ethernet address of the end inside'
complete -c nsveth -l bridge -r -d 'enslave the host end to this bridge'
complete -c nsveth -s j -l json -d 'print JSON'
complete -c nsveth -s h -l help -d 'display help'
complete -c nsveth -s V -l version -d 'display version'
