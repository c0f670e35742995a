# fish completion for nsveth(8), generated from its flag table by nstools::cli::gen.
# Do not edit: NSTOOLS_BLESS=1 cargo test --test docs

# The engine of every nstools completion (the same in each file).
function __nstools_complete_scan -a permute takes attached programs
    # Prints whether options ended, where the program starts (0: nowhere), whether the word at
    # the cursor is the value of the option before it, then the operands before the cursor.
    set -l takes (string split ' ' -- $takes)
    set -l attached (string split ' ' -- $attached)
    set -l programs (string split ' ' -- $programs)
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l ops
    set -l ended 0
    set -l program 0
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        if test $ended = 0
            switch $t
                case --
                    set ended 1
                    continue
                case '--*=*'
                    continue
                case '--*'
                    for o in $takes
                        if string match -q -- "$t*" $o
                            set skip 1
                            break
                        end
                    end
                    continue
                case '-?*'
                    set -l chars (string split '' -- (string sub -s 2 -- $t))
                    for i in (seq (count $chars))
                        contains -- -$chars[$i] $attached; and break
                        if contains -- -$chars[$i] $takes
                            test $i = (count $chars); and set skip 1
                            break
                        end
                    end
                    continue
            end
        end
        # A `--` right before the program (nspivot ROOT -- PROGRAM) is not an operand.
        if test $t = -- -a $ended = 1 -a $program = 0 -a (count $ops) -gt 0
            continue
        end
        set -a ops $t
        test $permute = 1; or set ended 1
        if test $program = 0
            for p in $programs
                set -l kn (string split : -- $p)
                if test $kn[1] = . -o "$kn[1]" = "$ops[1]"; and test $kn[2] = (count $ops)
                    set program $kn[2]
                    set ended 1
                end
            end
        end
    end
    echo $ended
    echo $program
    echo $skip
    for o in $ops
        echo $o
    end
end

function __nstools_complete_is -a permute takes attached programs query
    # True when the cursor is where `query` says: `opt` (options are still read; the
    # subcommands after it are those the option applies to), `N` (operand N, from 1) or `N+`
    # (operand N or later; the subcommands after it are those the operand belongs to).
    set -l state (__nstools_complete_scan $permute $takes $attached $programs)
    set -l commands $argv[6..]
    set -l ops $state[4..]
    if test $query = opt
        test $state[1] = 0; or return 1
        if set -q commands[1]; and set -q ops[1]
            contains -- $ops[1] $commands; or return 1
        end
        return 0
    end
    test $state[3] = 0; or return 1
    set -l at (math (count $ops) + 1)
    if string match -q -- '*+' $query
        test $at -ge (string sub -e -1 -- $query); or return 1
    else
        test $at = $query; or return 1
    end
    if set -q commands[1]
        contains -- "$ops[1]" $commands; or return 1
    end
    return 0
end

function __nstools_complete_program -a permute takes attached programs
    # The completions of the program (or tool) and its arguments, as a command line of its own.
    set -l state (__nstools_complete_scan $permute $takes $attached $programs)
    set -l ops $state[4..]
    test $state[2] -gt 0; or return
    __fish_complete_subcommand --commandline $ops[$state[2]..] (commandline -ct)
end

function __nsveth_is
    __nstools_complete_is 1 '-n --netns --host --peer --host-addr --peer-addr --route --mtu --peer-mac --bridge --subnet --publish' '' '' $argv
end

function __nsveth_program
    __nstools_complete_program 1 '-n --netns --host --peer --host-addr --peer-addr --route --mtu --peer-mac --bridge --subnet --publish' '' ''
end

complete -c nsveth -f
complete -c nsveth -n '__nsveth_is opt add' -s n -l netns -r -a '(for f in /run/netns/*; string replace -r \'.*/\' \'\' -- $f; end)' -d 'the namespace to connect (required)'
complete -c nsveth -n '__nsveth_is opt add' -l host -r -d 'host end name (default: veth<pid> or veth<inode>)'
complete -c nsveth -n '__nsveth_is opt add' -l peer -r -d 'end inside the namespace (default: eth0)'
complete -c nsveth -n '__nsveth_is opt add' -l host-addr -r -a 'auto' -d 'address of the host end (repeatable); auto: leased from --subnet (a pair without bridge)'
complete -c nsveth -n '__nsveth_is opt add' -l peer-addr -r -a 'auto' -d 'address of the end inside (repeatable); auto: leased from each --subnet'
complete -c nsveth -n '__nsveth_is opt add' -l gateway -d 'default route inside via the bridge\'s gateway, or the first host address of each address family'
complete -c nsveth -n '__nsveth_is opt add' -l route -r -d 'route inside, <dest> a network or \'default\' (repeatable)'
complete -c nsveth -n '__nsveth_is opt add' -l mtu -r -d 'MTU of both ends and of a bridge made (68-65535)'
complete -c nsveth -n '__nsveth_is opt add' -l peer-mac -r -d 'Ethernet address of the end inside'
complete -c nsveth -n '__nsveth_is opt add' -l bridge -r -a '(for f in /sys/class/net/*; string replace -r \'.*/\' \'\' -- $f; end)' -d 'enslave the host end to this bridge, made if missing (with the gateway address of each --subnet)'
complete -c nsveth -n '__nsveth_is opt add' -l hairpin -d 'the bridge may send a container\'s frames back to it'
complete -c nsveth -n '__nsveth_is opt add' -l subnet -r -d 'lease addresses from this network (one per address family), recorded in /run/nstools'
complete -c nsveth -n '__nsveth_is opt add' -l masquerade -d 'outbound NAT for the subnets (nf_tables)'
complete -c nsveth -n '__nsveth_is opt add' -l publish -r -d 'forward a port of this host to the end inside (repeatable)'
complete -c nsveth -n '__nsveth_is opt add list' -s j -l json -d 'print what was made (add), or the links, leases and NAT rules (list) as JSON'
complete -c nsveth -n '__nsveth_is opt' -s h -l help -d 'display this help'
complete -c nsveth -n '__nsveth_is opt' -s V -l version -d 'display version'
complete -c nsveth -n '__nsveth_is 1' -a add -d 'connect a network namespace with a veth pair'
complete -c nsveth -n '__nsveth_is 1' -a del -d 'delete a veth pair by its host end'
complete -c nsveth -n '__nsveth_is 1' -a list -d 'show the veth links, leases and NAT rules'
complete -c nsveth -n '__nsveth_is 1' -a gc -d 'reclaim leases, NAT rules and bridges nothing uses'
complete -c nsveth -n '__nsveth_is 1' -a cni -d 'run as a CNI plugin (CNI_* variables, config on stdin)'
complete -c nsveth -n '__nsveth_is 2 del' -a '(for f in /sys/class/net/*; string replace -r \'.*/\' \'\' -- $f; end)'
