# fish completion for nscgroup(1), generated from its flag table by nstools::cli::gen.
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

function __nscgroup_is
    __nstools_complete_is 1 '--memory --memory-high --swap --pids --cpus --cpu-weight --cpuset --io-max --set --controllers --root' '' 'exec:3' $argv
end

function __nscgroup_program
    __nstools_complete_program 1 '--memory --memory-high --swap --pids --cpus --cpu-weight --cpuset --io-max --set --controllers --root' '' 'exec:3'
end

complete -c nscgroup -f
complete -c nscgroup -n '__nscgroup_is opt create set exec' -l memory -r -d 'memory limit (memory.max, memory.limit_in_bytes)'
complete -c nscgroup -n '__nscgroup_is opt create set exec' -l memory-high -r -d 'memory throttling point (memory.high, v1 soft limit)'
complete -c nscgroup -n '__nscgroup_is opt create set exec' -l swap -r -d 'swap limit (memory.swap.max; v1: memory plus swap)'
complete -c nscgroup -n '__nscgroup_is opt create set exec' -l pids -r -d 'maximum number of processes (pids.max)'
complete -c nscgroup -n '__nscgroup_is opt create set exec' -l cpus -r -d 'CPU bandwidth in CPUs, e.g. 0.5 (cpu.max, cfs quota)'
complete -c nscgroup -n '__nscgroup_is opt create set exec' -l cpu-weight -r -d 'CPU weight 1-10000 (cpu.weight, v1 cpu.shares)'
complete -c nscgroup -n '__nscgroup_is opt create set exec' -l cpuset -r -d 'CPUs to run on, e.g. 0-1 (cpuset.cpus)'
complete -c nscgroup -n '__nscgroup_is opt create set exec' -l io-max -r -d 'I/O limits: rbps, wbps, riops, wiops (io.max, blkio)'
complete -c nscgroup -n '__nscgroup_is opt create set exec' -l oom-group -d 'on OOM, kill the whole cgroup at once (memory.oom.group, v2)'
complete -c nscgroup -n '__nscgroup_is opt create set exec' -l set -r -d 'write any other knob file'
complete -c nscgroup -n '__nscgroup_is opt' -l controllers -r -a 'cpuset cpu cpuacct blkio memory devices freezer net_cls net_prio perf_event hugetlb pids rdma misc' -d 'v1 hierarchies to use as well (comma-separated)'
complete -c nscgroup -n '__nscgroup_is opt' -l root -r -a '(__fish_complete_directories)' -d 'cgroupfs mount point (default /sys/fs/cgroup)'
complete -c nscgroup -n '__nscgroup_is opt exec' -l rm -d 'exec: wait for the program, then kill what is left and delete'
complete -c nscgroup -n '__nscgroup_is opt delete' -l kill -d 'delete: kill the processes first'
complete -c nscgroup -n '__nscgroup_is opt stat' -l json -d 'stat: print one JSON object'
complete -c nscgroup -n '__nscgroup_is opt' -s h -l help -d 'display this help'
complete -c nscgroup -n '__nscgroup_is opt' -s V -l version -d 'display version'
complete -c nscgroup -n '__nscgroup_is 1' -a create -d 'create a cgroup with limits'
complete -c nscgroup -n '__nscgroup_is 1' -a set -d 'write limits to a cgroup'
complete -c nscgroup -n '__nscgroup_is 1' -a attach -d 'move processes into a cgroup'
complete -c nscgroup -n '__nscgroup_is 1' -a exec -d 'run a program in a cgroup'
complete -c nscgroup -n '__nscgroup_is 1' -a stat -d 'print usage figures'
complete -c nscgroup -n '__nscgroup_is 1' -a kill -d 'signal every process'
complete -c nscgroup -n '__nscgroup_is 1' -a freeze -d 'freeze the processes'
complete -c nscgroup -n '__nscgroup_is 1' -a thaw -d 'thaw the processes'
complete -c nscgroup -n '__nscgroup_is 1' -a delete -d 'remove a cgroup'
complete -c nscgroup -n '__nscgroup_is 1' -a list -d 'list the cgroups below a path'
complete -c nscgroup -n '__nscgroup_is 2 create' -a '(nscgroup list 2>/dev/null)'
complete -c nscgroup -n '__nscgroup_is 2 set' -a '(nscgroup list 2>/dev/null)'
complete -c nscgroup -n '__nscgroup_is 2 attach' -a '(nscgroup list 2>/dev/null)'
complete -c nscgroup -n '__nscgroup_is 3 attach' -a '(string replace -rf \'^/proc/(\\d+)$\' \'$1\' -- /proc/*)'
complete -c nscgroup -n '__nscgroup_is 4+ attach' -a '(string replace -rf \'^/proc/(\\d+)$\' \'$1\' -- /proc/*)'
complete -c nscgroup -n '__nscgroup_is 2 exec' -a '(nscgroup list 2>/dev/null)'
complete -c nscgroup -n '__nscgroup_is 3 exec' -a '(__fish_complete_command)'
complete -c nscgroup -n '__nscgroup_is 4+ exec' -a '(__nscgroup_program)'
complete -c nscgroup -n '__nscgroup_is 2 stat' -a '(nscgroup list 2>/dev/null)'
complete -c nscgroup -n '__nscgroup_is 2 kill' -a '(nscgroup list 2>/dev/null)'
complete -c nscgroup -n '__nscgroup_is 3 kill' -a 'HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS'
complete -c nscgroup -n '__nscgroup_is 2 freeze' -a '(nscgroup list 2>/dev/null)'
complete -c nscgroup -n '__nscgroup_is 2 thaw' -a '(nscgroup list 2>/dev/null)'
complete -c nscgroup -n '__nscgroup_is 2 delete' -a '(nscgroup list 2>/dev/null)'
complete -c nscgroup -n '__nscgroup_is 2 list' -a '(nscgroup list 2>/dev/null)'
