//! bash completion: the tool's table as bash variables, read by one engine (the same text in every
//! file). The engine splits the line itself (bash splits words at `=` and `:` too), follows
//! getopt (values in the next word or attached, bundles, `--`, prefixes of long options, the first
//! operand ending the options of a non-permuting tool), and hands the program's words to the
//! program's own completion (`_command_offset` from bash-completion, when loaded).

use super::{all_flags, label, signals, words, BLESS};
use crate::cli::flags::{Hint, Takes, Tool};

/// The completion file of `tool`.
pub fn bash(tool: &Tool) -> String {
    let func = format!("_{}", tool.name.replace('-', "_"));
    let mut s = format!(
        "# bash completion for {name}({section}), generated from its flag table by \
         nstools::cli::gen.\n# Do not edit: {BLESS}\n\n{ENGINE}\n{func}()\n{{\n",
        name = tool.name,
        section = tool.section,
    );
    s.push_str(&format!("\tlocal permute={}\n", u8::from(tool.permute)));
    let mut options = Vec::new();
    let (mut takes, mut hints, mut fixed, mut only) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for f in all_flags(tool) {
        let names: Vec<String> = f
            .short
            .map(|c| format!("-{c}"))
            .into_iter()
            .chain([format!("--{}", f.long)])
            .collect();
        for n in &names {
            options.push(n.clone());
            if !f.commands.is_empty() {
                only.push(format!(
                    "[{n}]={}",
                    quote(&format!(" {} ", f.commands.join(" ")))
                ));
            }
            let kind = match (f.takes, n.starts_with("--")) {
                (Takes::Nothing, _) | (Takes::OptionalLong, false) => continue,
                (Takes::Value, _) => "v",
                (Takes::Optional, _) => "o",
                (Takes::OptionalLong, true) => "l",
            };
            takes.push(format!("[{n}]={kind}"));
            if !matches!(f.hint, Hint::None | Hint::List(_)) {
                hints.push(format!("[{n}]={}", hint_name(f.hint)));
            }
            let w = words(f);
            if !w.is_empty() {
                fixed.push(format!("[{n}]={}", quote(&w.join(" "))));
            }
        }
    }
    s.push_str(&array("-a options", &options));
    s.push_str(&array("-A takes", &takes));
    s.push_str(&array("-A hints", &hints));
    s.push_str(&array("-A words", &fixed));
    s.push_str(&array("-A only", &only));
    let commands: Vec<String> = tool.commands.iter().map(|c| c.name.to_string()).collect();
    s.push_str(&array("-a commands", &commands));
    let operands: Vec<String> = if tool.commands.is_empty() {
        vec![format!("[.]={}", quote(&hint_list(tool.operands)))]
    } else {
        tool.commands
            .iter()
            .map(|c| format!("[{}]={}", c.name, quote(&hint_list(c.operands))))
            .collect()
    };
    s.push_str(&array("-A operands", &operands));
    let uses_signals = all_flags(tool).any(|f| f.hint == Hint::Signal)
        || tool.operands.contains(&Hint::Signal)
        || tool
            .commands
            .iter()
            .any(|c| c.operands.contains(&Hint::Signal));
    if uses_signals {
        s.push_str(&format!(
            "\tlocal signals={}\n",
            quote(&signals().join(" "))
        ));
    }
    s.push_str(&format!(
        "\t_nstools_complete\n}}\ncomplete -F {func} {}\n",
        tool.name
    ));
    s
}

/// A hint as the engine's `case` knows it.
fn hint_name(h: Hint) -> String {
    match h {
        Hint::More => "more".into(),
        Hint::List(_) | Hint::None => "none".into(),
        h => label(h).replace(' ', "-"),
    }
}

fn hint_list(hints: &[Hint]) -> String {
    hints
        .iter()
        .map(|h| hint_name(*h))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `\tlocal -a name=(a b c)`, wrapped.
fn array(decl: &str, items: &[String]) -> String {
    let mut s = format!("\tlocal {decl}=(");
    let mut width = s.len() + 7;
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            if width + item.len() > 96 {
                s.push_str("\n\t\t");
                width = 16;
            } else {
                s.push(' ');
                width += 1;
            }
        }
        s.push_str(item);
        width += item.len();
    }
    s.push_str(")\n");
    s
}

/// A single-quoted shell word.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The completion engine, shared word for word by every nstools completion file. It reads the
/// tool function's locals: `permute`, `options`, `takes` (`v` a value, `o` an optional attached
/// value, `l` an optional `--long=value`), `hints`, `words`, `only` (the subcommands of an
/// option), `commands`, `operands` (hints by subcommand, or under `.`), `signals`.
const ENGINE: &str = r#"# The engine of every nstools completion (the same in each file).
_nstools_complete()
{
	local line=${COMP_LINE:0:COMP_POINT}
	local -a w
	read -ra w <<< "$line"
	[[ -z $line || $line == *[[:blank:]] ]] && w+=("")
	local n=$(( ${#w[@]} - 1 ))
	local cur=${w[n]} bcur=${_nstools_word-${COMP_WORDS[COMP_CWORD]}}
	local i=1 k ended=0 pending= word opt h
	local -a ops=() c=()
	while (( i < n )); do
		word=${w[i]}
		(( i++ ))
		if (( !ended )) && [[ $word == -?* ]]; then
			if [[ $word == -- ]]; then
				ended=1
			elif [[ $word == --* ]]; then
				opt=$(_nstools_long "${word%%=*}")
				if [[ ${takes[$opt]} == v && $word != *=* ]]; then
					(( i == n )) && pending=$opt
					(( i++ ))
				fi
			else
				for (( k = 1; k < ${#word}; k++ )); do
					opt=-${word:k:1}
					case ${takes[$opt]} in
					v)
						if (( k + 1 == ${#word} )); then
							(( i == n )) && pending=$opt
							(( i++ ))
						fi
						break ;;
					o) break ;;
					esac
				done
			fi
			continue
		fi
		h=$(_nstools_operand ${#ops[@]})
		[[ $h == program && $word == -- && $ended == 1 ]] && continue
		if [[ $h == program || $h == tool ]]; then
			_nstools_delegate $(( i - 1 )) $h
			return
		fi
		ops+=("$word")
		(( permute )) || ended=1
	done
	local command=
	(( ${#commands[@]} && ${#ops[@]} )) && command=${ops[0]}
	if [[ -n $pending ]]; then
		_nstools_value "$pending" "" "$cur"
	elif (( !ended )) && [[ $cur == --*=* ]]; then
		opt=$(_nstools_long "${cur%%=*}")
		[[ -n ${takes[$opt]} ]] && _nstools_value "$opt" "${cur%%=*}=" "${cur#*=}"
	elif (( !ended )) && [[ $cur == -* ]]; then
		if [[ $cur != --* ]]; then
			for (( k = 1; k + 1 < ${#cur}; k++ )); do
				opt=-${cur:k:1}
				case ${takes[$opt]} in
				v | o)
					local p=${cur:0:k+1} v=${cur:k+1}
					[[ $v == =* ]] && p+== v=${v:1}
					_nstools_value "$opt" "$p" "$v"
					return ;;
				esac
			done
		fi
		for opt in "${options[@]}"; do
			[[ -z ${only[$opt]} || -z $command || ${only[$opt]} == *" $command "* ]] && c+=("$opt")
		done
		COMPREPLY=($(compgen -W "${c[*]}" -- "$cur"))
	else
		h=$(_nstools_operand ${#ops[@]})
		case $h in
		command) COMPREPLY=($(compgen -W "${commands[*]}" -- "$cur")) ;;
		tool) COMPREPLY=($(compgen -W "$(nstools --list 2>/dev/null)" -- "$cur")) ;;
		program) COMPREPLY=($(compgen -c -- "$cur")) ;;
		*)
			_nstools_hint "$h" "$cur"
			_nstools_reply "" "${c[@]}" ;;
		esac
	fi
}

# The long option a prefix stands for (itself when unknown or ambiguous).
_nstools_long()
{
	local o m=
	for o in "${options[@]}"; do
		[[ $o == "$1" ]] && { echo "$o"; return; }
		[[ $o == "$1"* ]] && { [[ -n $m ]] && { echo "$1"; return; }; m=$o; }
	done
	echo "${m:-$1}"
}

# The hint of operand $1 (from 0): a subcommand, then the subcommand's operands.
_nstools_operand()
{
	local -a hs
	local k=$1
	if (( ${#commands[@]} )); then
		(( k == 0 )) && { echo command; return; }
		hs=(${operands[${ops[0]}]})
		(( k-- ))
	else
		hs=(${operands[.]})
	fi
	if (( k < ${#hs[@]} )); then
		[[ ${hs[k]} == more ]] && echo "${hs[k-1]}" || echo "${hs[k]}"
	elif (( ${#hs[@]} > 1 )) && [[ ${hs[-1]} == more ]]; then
		echo "${hs[-2]}"
	fi
}

# Values of option $1 matching $3, each after the prefix $2.
_nstools_value()
{
	[[ -n ${words[$1]} ]] && c+=($(compgen -W "${words[$1]}" -- "$3"))
	_nstools_hint "${hints[$1]}" "$3"
	_nstools_reply "$2" "${c[@]}"
}

# Add to c what hint $1 offers for $2.
_nstools_hint()
{
	local x f
	case $1 in
	file | namespace-file) c+=($(compgen -f -- "$2")) ;;
	directory) c+=($(compgen -d -- "$2")) ;;
	pid) for x in /proc/[0-9]*; do [[ ${x#/proc/} == "$2"* ]] && c+=("${x#/proc/}"); done ;;
	user | uid) f=1; [[ $1 == uid ]] && f=3; c+=($(compgen -W "$(_nstools_etc /etc/passwd $f)" -- "$2")) ;;
	group | gid) f=1; [[ $1 == gid ]] && f=3; c+=($(compgen -W "$(_nstools_etc /etc/group $f)" -- "$2")) ;;
	signal) c+=($(compgen -W "$signals" -- "$2")) ;;
	interface) for x in /sys/class/net/*; do [[ -e $x && ${x##*/} == "$2"* ]] && c+=("${x##*/}"); done ;;
	network-namespace) for x in /run/netns/*; do [[ -e $x && ${x##*/} == "$2"* ]] && c+=("${x##*/}"); done ;;
	cgroup) c+=($(compgen -W "$(nscgroup list 2>/dev/null)" -- "$2")) ;;
	variable) c+=($(compgen -e -- "$2")) ;;
	command) c+=($(compgen -c -- "$2")) ;;
	esac
	if [[ $1 == file || $1 == namespace-file || $1 == directory ]]; then
		for (( x = 0; x < ${#c[@]}; x++ )); do [[ -d ${c[x]} ]] && c[x]+=/; done
		[[ ${#c[@]} == 1 && ${c[0]} == */ ]] && compopt -o nospace 2>/dev/null
	fi
}

# Field $2 of the lines of the colon-separated file $1.
_nstools_etc()
{
	local -a l
	while IFS=: read -ra l; do echo "${l[$2-1]}"; done < "$1" 2>/dev/null
}

# COMPREPLY: the candidates after the prefix $1, less what bash does not replace of the word
# (the part before a word-break character such as '=' or ':').
_nstools_reply()
{
	local p=$1 pre= x
	shift
	[[ $cur == *"$bcur" ]] && pre=${cur%"$bcur"}
	COMPREPLY=()
	for x; do COMPREPLY+=("${p}${x}"); done
	[[ -n $pre ]] && COMPREPLY=("${COMPREPLY[@]#"$pre"}")
}

# Complete the words from $1 on as a command line of their own: the program's completion, or
# with a multicall binary ($2 = tool) the tool's.
_nstools_delegate()
{
	local s=$1 j=0 k acc
	if [[ $2 == tool ]]; then
		local f=_${w[s]//-/_}
		declare -F "$f" >/dev/null || { declare -F _completion_loader >/dev/null && _completion_loader "${w[s]}"; }
		if declare -F "$f" >/dev/null; then
			local _nstools_word=$bcur
			local COMP_LINE="${w[*]:s}" COMP_WORDS=("${w[@]:s}") COMP_CWORD=$(( n - s ))
			local COMP_POINT=${#COMP_LINE}
			"$f"
			return
		fi
	elif declare -F _command_offset >/dev/null; then
		for (( k = 0; k < s; k++ )); do
			acc=
			while (( j < ${#COMP_WORDS[@]} )) && [[ $acc != "${w[k]}" ]]; do
				acc+=${COMP_WORDS[j]}
				(( j++ ))
			done
		done
		_command_offset $j
		return
	elif (( s == n )); then
		COMPREPLY=($(compgen -c -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
}
"#;
