# fish completion for nsunshare(1), from nstools

# Complete options only before the program; after it, complete the program's own arguments.
function __nsunshare_no_program
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l takes_value --propagation --setgroups -S --setuid -G --setgid -R --root -w --wd \
        --map-user --map-group --map-users --map-groups --owner --monotonic --boottime \
        --whitelist-env --hostname --domainname -l --load-interp --setup --pid-file
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        if contains -- $t $takes_value
            set skip 1
            continue
        end
        switch $t
            case --
                return 1
            case '-*'
                continue
            case '*'
                return 1
        end
    end
    return 0
end

set -l c complete -c nsunshare -n __nsunshare_no_program

$c -s m -l mount -d 'Unshare mounts namespace'
$c -s u -l uts -d 'Unshare UTS namespace (hostname etc)'
$c -s i -l ipc -d 'Unshare System V IPC namespace'
$c -s n -l net -d 'Unshare network namespace'
$c -s p -l pid -d 'Unshare pid namespace'
$c -s U -l user -d 'Unshare user namespace'
$c -s C -l cgroup -d 'Unshare cgroup namespace'
$c -s T -l time -d 'Unshare time namespace'
$c -l mount-proc -d 'Mount proc filesystem first (implies --mount)'
$c -l mount-binfmt -d 'Mount binfmt filesystem first (implies --user and --mount)'
$c -s l -l load-interp -x -d 'Load binfmt definition in the namespace'
$c -l propagation -x -a 'private shared slave unchanged' -d 'Modify mount propagation in mount namespace'
$c -s R -l root -x -a '(__fish_complete_directories)' -d 'Run the command with root directory set to dir'
$c -s w -l wd -x -a '(__fish_complete_directories)' -d 'Change working directory to dir'
$c -s S -l setuid -x -d 'Set uid in entered namespace'
$c -s G -l setgid -x -d 'Set gid in entered namespace'
$c -l map-user -x -a '(__fish_complete_users)' -d 'Map current user to uid (implies --user)'
$c -l map-group -x -a '(__fish_complete_groups)' -d 'Map current group to gid (implies --user)'
$c -s r -l map-root-user -d 'Map current user to root (implies --user)'
$c -s c -l map-current-user -d 'Map current user to itself (implies --user)'
$c -l map-auto -d 'Map users and groups automatically (implies --user)'
$c -l map-subids -d 'Map the first block of user IDs owned by euid (implies --user)'
$c -l map-users -x -a 'auto subids all' -d 'Map inner:outer:count users (implies --user)'
$c -l map-groups -x -a 'auto subids all' -d 'Map inner:outer:count groups (implies --user)'
$c -l owner -x -d 'Set the user namespace owner uid:gid (implies --user)'
$c -s f -l fork -d 'Fork before launching program'
$c -l kill-child -d 'When dying, kill the forked child (implies --fork)'
$c -l forward-signals -d 'Forward every catchable signal to the child (implies --fork)'
$c -l setgroups -x -a 'allow deny' -d 'Control the setgroups syscall in user namespaces'
$c -l keep-caps -d 'Retain capabilities granted in user namespaces'
$c -l monotonic -x -d 'Set clock monotonic offset (seconds) in time namespaces'
$c -l boottime -x -d 'Set clock boottime offset (seconds) in time namespaces'
$c -l clear-env -d 'Do not inherit environment variables from the calling process'
$c -l whitelist-env -x -a '(set -xn)' -d 'Clear environment except for specified variables'
$c -l setup -x -a '(__fish_complete_command)' -d 'Run command with /bin/sh -c outside, NS_PID set, before program'
$c -l pid-file -r -F -d 'Write the pid of the process in the namespaces to file'
$c -l init -d 'Run program under a minimal init as pid 2 (needs --fork --pid)'
$c -l hostname -x -d 'Set the hostname in the new UTS namespace (needs --uts)'
$c -l domainname -x -d 'Set the NIS domain name in the new UTS namespace (needs --uts)'
$c -s h -l help -d 'Display this help'
$c -s V -l version -d 'Display version'

# The program, then its own arguments.
complete -c nsunshare -n __nsunshare_no_program -a '(__fish_complete_command)'
complete -c nsunshare -n 'not __nsunshare_no_program' -x -a '(__fish_complete_subcommand)'
