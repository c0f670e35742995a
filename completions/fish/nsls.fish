# fish completion for nsls(8), generated from its flag table by nstools::cli::gen.
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

function __nsls_is
    __nstools_complete_is 1 '-o --output -p --task -Q --filter -t --type --inspect' '-T' '' $argv
end

function __nsls_program
    __nstools_complete_program 1 '-o --output -p --task -Q --filter -t --type --inspect' '-T' ''
end

complete -c nsls -f
complete -c nsls -n '__nsls_is opt' -s J -l json -d 'print JSON'
complete -c nsls -n '__nsls_is opt' -s l -l list -d 'print a list, not a tree'
complete -c nsls -n '__nsls_is opt' -s n -l noheadings -d 'leave out the header line'
complete -c nsls -n '__nsls_is opt' -s o -l output -r -d 'the columns to print (+<list> adds to the default)'
complete -c nsls -n '__nsls_is opt' -l output-all -d 'print every column'
complete -c nsls -n '__nsls_is opt' -s P -l persistent -d 'only namespaces no process is in'
complete -c nsls -n '__nsls_is opt' -s p -l task -r -a '(string replace -rf \'^/proc/(\\d+)$\' \'$1\' -- /proc/*)' -d 'only the namespaces of this process'
complete -c nsls -n '__nsls_is opt' -s Q -l filter -r -d 'only the lines this expression accepts'
complete -c nsls -n '__nsls_is opt' -s r -l raw -d 'print the raw format'
complete -c nsls -n '__nsls_is opt' -s u -l notruncate -d 'never cut text to fit the terminal'
complete -c nsls -n '__nsls_is opt' -s W -l nowrap -d 'keep every cell on one line'
complete -c nsls -n '__nsls_is opt' -s t -l type -r -a 'mnt net ipc user pid uts cgroup time' -d 'only namespaces of this type (repeatable)'
complete -c nsls -n '__nsls_is opt' -s T -l tree -a 'process owner parent' -d 'draw a tree of processes, owners or parents'
complete -c nsls -n '__nsls_is opt' -s H -l list-columns -d 'list the columns -o takes'
complete -c nsls -n '__nsls_is opt' -l inspect -r -a '(string replace -rf \'^/proc/(\\d+)$\' \'$1\' -- /proc/*)' -d 'show one process\'s namespaces, ids, hostname, cgroup, interfaces and root'
complete -c nsls -n '__nsls_is opt' -s h -l help -d 'display this help'
complete -c nsls -n '__nsls_is opt' -s V -l version -d 'display version'
complete -c nsls -n '__nsls_is 1'
