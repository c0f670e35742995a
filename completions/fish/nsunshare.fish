# fish completion for nsunshare(1), generated from its flag table by nstools::cli::gen.
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

function __nsunshare_is
    __nstools_complete_is 0 '-l --load-interp --propagation -R --root -w --wd --setgroups -S --setuid -G --setgid --map-user --map-users --map-group --map-groups --owner --monotonic --boottime --whitelist-env --setup --pid-file --into-cgroup --hostname --domainname' '' '.:1' $argv
end

function __nsunshare_program
    __nstools_complete_program 0 '-l --load-interp --propagation -R --root -w --wd --setgroups -S --setuid -G --setgid --map-user --map-users --map-group --map-groups --owner --monotonic --boottime --whitelist-env --setup --pid-file --into-cgroup --hostname --domainname' '' '.:1'
end

complete -c nsunshare -f
complete -c nsunshare -n '__nsunshare_is opt' -s m -l mount -F -d 'unshare mounts namespace'
complete -c nsunshare -n '__nsunshare_is opt' -s u -l uts -F -d 'unshare UTS namespace (hostname etc)'
complete -c nsunshare -n '__nsunshare_is opt' -s i -l ipc -F -d 'unshare System V IPC namespace'
complete -c nsunshare -n '__nsunshare_is opt' -s n -l net -F -d 'unshare network namespace'
complete -c nsunshare -n '__nsunshare_is opt' -s p -l pid -F -d 'unshare pid namespace'
complete -c nsunshare -n '__nsunshare_is opt' -s U -l user -F -d 'unshare user namespace'
complete -c nsunshare -n '__nsunshare_is opt' -s C -l cgroup -F -d 'unshare cgroup namespace'
complete -c nsunshare -n '__nsunshare_is opt' -s T -l time -F -d 'unshare time namespace'
complete -c nsunshare -n '__nsunshare_is opt' -l mount-proc -a '(__fish_complete_directories)' -d 'mount proc filesystem first (implies --mount)'
complete -c nsunshare -n '__nsunshare_is opt' -l mount-binfmt -a '(__fish_complete_directories)' -d 'mount binfmt filesystem first (implies --user and --mount)'
complete -c nsunshare -n '__nsunshare_is opt' -s l -l load-interp -r -d 'load binfmt definition in the namespace (implies --mount-binfmt)'
complete -c nsunshare -n '__nsunshare_is opt' -l propagation -r -a 'slave shared private unchanged' -d 'modify mount propagation in mount namespace'
complete -c nsunshare -n '__nsunshare_is opt' -s R -l root -r -a '(__fish_complete_directories)' -d 'run the command with root directory set to <dir>'
complete -c nsunshare -n '__nsunshare_is opt' -s w -l wd -r -a '(__fish_complete_directories)' -d 'change working directory to <dir>'
complete -c nsunshare -n '__nsunshare_is opt' -s f -l fork -d 'fork before launching <program>'
complete -c nsunshare -n '__nsunshare_is opt' -l kill-child -a 'HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS' -d 'when dying, kill the forked child (implies --fork) defaults to SIGKILL'
complete -c nsunshare -n '__nsunshare_is opt' -l forward-signals -d 'forward every catchable signal to the child (implies --fork)'
complete -c nsunshare -n '__nsunshare_is opt' -l setgroups -r -a 'allow deny' -d 'control the setgroups syscall in user namespaces'
complete -c nsunshare -n '__nsunshare_is opt' -l keep-caps -d 'retain capabilities granted in user namespaces'
complete -c nsunshare -n '__nsunshare_is opt' -s S -l setuid -r -a '(string split -f3 : < /etc/passwd)' -d 'set uid in entered namespace'
complete -c nsunshare -n '__nsunshare_is opt' -s G -l setgid -r -a '(string split -f3 : < /etc/group)' -d 'set gid in entered namespace'
complete -c nsunshare -n '__nsunshare_is opt' -l map-user -r -a '(string split -f1 : < /etc/passwd)' -d 'map current user to uid (implies --user)'
complete -c nsunshare -n '__nsunshare_is opt' -l map-users -r -a 'auto subids all' -d 'map count users from outeruid to inneruid (implies --user)'
complete -c nsunshare -n '__nsunshare_is opt' -l map-group -r -a '(string split -f1 : < /etc/group)' -d 'map current group to gid (implies --user)'
complete -c nsunshare -n '__nsunshare_is opt' -l map-groups -r -a 'auto subids all' -d 'map count groups from outergid to innergid (implies --user)'
complete -c nsunshare -n '__nsunshare_is opt' -s r -l map-root-user -d 'map current user to root (implies --user)'
complete -c nsunshare -n '__nsunshare_is opt' -s c -l map-current-user -d 'map current user to itself (implies --user)'
complete -c nsunshare -n '__nsunshare_is opt' -l map-auto -d 'map users and groups automatically (implies --user)'
complete -c nsunshare -n '__nsunshare_is opt' -l map-subids -d 'map the first block of user IDs owned by euid (implies --user)'
complete -c nsunshare -n '__nsunshare_is opt' -l owner -r -d 'set the user namespace owner (implies --user)'
complete -c nsunshare -n '__nsunshare_is opt' -l monotonic -r -d 'set clock monotonic offset (seconds) in time namespaces'
complete -c nsunshare -n '__nsunshare_is opt' -l boottime -r -d 'set clock boottime offset (seconds) in time namespaces'
complete -c nsunshare -n '__nsunshare_is opt' -l clear-env -d 'do not inherit environment variables from the calling process'
complete -c nsunshare -n '__nsunshare_is opt' -l whitelist-env -r -a '(set -xn)' -d 'clear environment except for specified variables'
complete -c nsunshare -n '__nsunshare_is opt' -l setup -r -a '(__fish_complete_command)' -d 'run <command> with /bin/sh -c in the original namespaces, with NS_PID set, before <program> starts (repeatable)'
complete -c nsunshare -n '__nsunshare_is opt' -l pid-file -r -F -d 'write the pid of the process in the namespaces to <file>'
complete -c nsunshare -n '__nsunshare_is opt' -l init -d 'run <program> under a minimal init as pid 2 (needs --fork --pid)'
complete -c nsunshare -n '__nsunshare_is opt' -l into-cgroup -r -a '(nscgroup list 2>/dev/null)' -d 'start the process in the existing cgroup <path>'
complete -c nsunshare -n '__nsunshare_is opt' -l hostname -r -d 'set the hostname in the new UTS namespace (needs --uts)'
complete -c nsunshare -n '__nsunshare_is opt' -l domainname -r -d 'set the NIS domain name in the new UTS namespace (needs --uts)'
complete -c nsunshare -n '__nsunshare_is opt' -s h -l help -d 'display this help'
complete -c nsunshare -n '__nsunshare_is opt' -s V -l version -d 'display version'
complete -c nsunshare -n '__nsunshare_is 1' -a '(__fish_complete_command)'
complete -c nsunshare -n '__nsunshare_is 2+' -a '(__nsunshare_program)'
