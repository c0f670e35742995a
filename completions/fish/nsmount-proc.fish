# fish completion for nsmount-proc
complete -c nsmount-proc -s d -l dir -r -a '(__fish_complete_directories)' -d 'mount point (default /proc)'
complete -c nsmount-proc -l hidepid -x -a '0 1 2 off noaccess invisible ptraceable' -d 'hide processes of other users'
complete -c nsmount-proc -l subset -x -a 'pid' -d 'only show a subset'
complete -c nsmount-proc -l no-private -d 'do not make / recursively private first'
complete -c nsmount-proc -l force -d 'run even in the original mount namespace'
complete -c nsmount-proc -s h -l help -d 'display help'
complete -c nsmount-proc -s V -l version -d 'display version'
complete -c nsmount-proc -x -a '(__fish_complete_subcommand)'
