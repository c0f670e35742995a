# fish completion for nsenter(1), generated from its flag table by nstools::cli::gen.
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

function __nsenter_is
    __nstools_complete_is 0 '-t --target --netns -N --net-socket -S --setuid -G --setgid' '-m -u -i -n -p -C -U -T -r -w -W' '.:1' $argv
end

function __nsenter_program
    __nstools_complete_program 0 '-t --target --netns -N --net-socket -S --setuid -G --setgid' '-m -u -i -n -p -C -U -T -r -w -W' '.:1'
end

complete -c nsenter -f
complete -c nsenter -n '__nsenter_is opt' -s a -l all -d 'enter all namespaces'
complete -c nsenter -n '__nsenter_is opt' -s t -l target -r -a '(string replace -rf \'^/proc/(\\d+)$\' \'$1\' -- /proc/*)' -d 'target process to get namespaces from'
complete -c nsenter -n '__nsenter_is opt' -s m -l mount -F -d 'enter mount namespace'
complete -c nsenter -n '__nsenter_is opt' -s u -l uts -F -d 'enter UTS namespace (hostname etc)'
complete -c nsenter -n '__nsenter_is opt' -s i -l ipc -F -d 'enter System V IPC namespace'
complete -c nsenter -n '__nsenter_is opt' -s n -l net -F -d 'enter network namespace'
complete -c nsenter -n '__nsenter_is opt' -l netns -r -a '(for f in /run/netns/*; string replace -r \'.*/\' \'\' -- $f; end)' -d 'enter network namespace /run/netns/<name>'
complete -c nsenter -n '__nsenter_is opt' -s N -l net-socket -r -d 'enter socket\'s network namespace (needs --target)'
complete -c nsenter -n '__nsenter_is opt' -s p -l pid -F -d 'enter pid namespace'
complete -c nsenter -n '__nsenter_is opt' -s C -l cgroup -F -d 'enter cgroup namespace'
complete -c nsenter -n '__nsenter_is opt' -s U -l user -F -d 'enter user namespace'
complete -c nsenter -n '__nsenter_is opt' -l user-parent -d 'enter parent user namespace'
complete -c nsenter -n '__nsenter_is opt' -s T -l time -F -d 'enter time namespace'
complete -c nsenter -n '__nsenter_is opt' -s S -l setuid -r -a 'follow (string split -f3 : < /etc/passwd)' -d 'set uid in entered namespace'
complete -c nsenter -n '__nsenter_is opt' -s G -l setgid -r -a 'follow (string split -f3 : < /etc/group)' -d 'set gid in entered namespace'
complete -c nsenter -n '__nsenter_is opt' -l preserve-credentials -d 'do not touch uids or gids'
complete -c nsenter -n '__nsenter_is opt' -l keep-caps -d 'retain capabilities granted in user namespaces'
complete -c nsenter -n '__nsenter_is opt' -s r -l root -a '(__fish_complete_directories)' -d 'set the root directory'
complete -c nsenter -n '__nsenter_is opt' -s w -l wd -a '(__fish_complete_directories)' -d 'set the working directory'
complete -c nsenter -n '__nsenter_is opt' -s W -l wdns -d 'set the working directory in namespace'
complete -c nsenter -n '__nsenter_is opt' -s e -l env -d 'inherit environment variables from target process'
complete -c nsenter -n '__nsenter_is opt' -s F -l no-fork -d 'do not fork before exec\'ing <program>'
complete -c nsenter -n '__nsenter_is opt' -s c -l join-cgroup -d 'join the cgroup of the target process'
complete -c nsenter -n '__nsenter_is opt' -s Z -l follow-context -d 'set SELinux context according to --target PID'
complete -c nsenter -n '__nsenter_is opt' -s h -l help -d 'display this help'
complete -c nsenter -n '__nsenter_is opt' -s V -l version -d 'display version'
complete -c nsenter -n '__nsenter_is 1' -a '(__fish_complete_command)'
complete -c nsenter -n '__nsenter_is 2+' -a '(__nsenter_program)'
