# fish completion for nsidmap
complete -c nsidmap -f
complete -c nsidmap -s u -l uid -x -d 'map count uids from outer to inner (inner:outer:count)'
complete -c nsidmap -s g -l gid -x -d 'map count gids from outer to inner (inner:outer:count)'
complete -c nsidmap -s a -l auto -d 'map your subordinate ranges, and you to 0'
complete -c nsidmap -s r -l map-root -d 'map your own uid and gid to 0'
complete -c nsidmap -l setgroups -x -a 'allow deny' -d 'control the setgroups syscall'
complete -c nsidmap -l show -d 'print the maps of the process'
complete -c nsidmap -s h -l help -d 'display help'
complete -c nsidmap -s V -l version -d 'display version'
complete -c nsidmap -a '(__fish_complete_pids)'
