# fish completion for nscgroup
set -l commands create set attach exec stat kill freeze thaw delete list
complete -c nscgroup -f
complete -c nscgroup -n "not __fish_seen_subcommand_from $commands" -a "$commands"
complete -c nscgroup -n "__fish_seen_subcommand_from $commands" -a "(nscgroup list 2>/dev/null)"
complete -c nscgroup -l memory -r -d 'memory limit'
complete -c nscgroup -l memory-high -r -d 'memory throttling point'
complete -c nscgroup -l swap -r -d 'swap limit'
complete -c nscgroup -l pids -r -d 'maximum number of processes'
complete -c nscgroup -l cpus -r -d 'CPU bandwidth in CPUs'
complete -c nscgroup -l cpu-weight -r -d 'CPU weight 1-10000'
complete -c nscgroup -l cpuset -r -d 'CPUs to run on'
complete -c nscgroup -l io-max -r -d 'I/O limits maj:min,key=value'
complete -c nscgroup -l set -r -d 'write a knob file=value'
complete -c nscgroup -l controllers -r -a 'cpuset cpu cpuacct blkio memory devices freezer pids io' -d 'v1 hierarchies to use as well'
complete -c nscgroup -l root -r -a '(__fish_complete_directories)' -d 'cgroupfs mount point'
complete -c nscgroup -l rm -d 'exec: delete the cgroup when the program ends'
complete -c nscgroup -l kill -d 'delete: kill the processes first'
complete -c nscgroup -l json -d 'stat: print one JSON object'
complete -c nscgroup -s h -l help -d 'display help'
complete -c nscgroup -s V -l version -d 'display version'
