# fish completion for nstools (the multicall binary)
complete -c nstools -n '__fish_is_first_arg' -f -a '(nstools --list 2>/dev/null)' -d 'tool'
complete -c nstools -n '__fish_is_first_arg' -l list -d 'list the tools, one per line'
complete -c nstools -n '__fish_is_first_arg' -s h -l help -d 'display help'
complete -c nstools -n '__fish_is_first_arg' -s V -l version -d 'display version'
