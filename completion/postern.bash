# postern.bash - bash completion for postern(1), installed as
# $(datadir)/bash-completion/completions/postern.
#
# Nothing here is a copy of postern's options: they are read from
# "postern --help" (every option stands in its first column), so the
# completion follows the program it completes; account names come from
# "postern --list-accounts", which reads the configuration files as a send
# does (-C FILE given earlier on the line included); files are offered
# after -C, -X, --resend and after an option whose value is a FILE.

# _postern_help PROG - the option column of PROG's --help (untranslated:
# the columns are the program's, not a translator's)
_postern_help()
{
	LC_ALL=C LANGUAGE='' "$1" --help 2>/dev/null | sed -n 's/^  \(-[^ ].*\)$/\1/p' | sed 's/  .*//'
}

# _postern_options PROG - every option: "--name=" when a value must follow
# the "=", else the option alone
_postern_options()
{
	_postern_help "$1" | grep -oE -- '(^|[ ,])-{1,2}[A-Za-z0-9][A-Za-z0-9-]*(\[?=)?' |
		sed -e 's/^[ ,]//' -e 's/\[=$//' | sort -u
}

# _postern_values PROG OPTION - the words an "--option=" takes, as --help
# writes them ("[=on|off]", "=FILE|system"); FILE: a file name
_postern_values()
{
	local syntax word
	syntax=$(_postern_help "$1" | grep -E -- "^$2(\\[?=)" | head -n 1)
	syntax=${syntax#"$2"}
	syntax=${syntax#[}
	syntax=${syntax#=}
	syntax=${syntax%]}
	local IFS='|'
	for word in $syntax; do
		case $word in
		FILE) compgen -f -- "$3" ;;
		*[a-z]*) [[ $word == "$3"* ]] && printf '%s\n' "$word" ;;
		esac
	done
}

# _postern_accounts PROG WORD... - the account names, with the -C or
# --file of the words of the line
_postern_accounts()
{
	local prog=$1 i file=
	shift
	local -a w=("$@")
	for ((i = 0; i < ${#w[@]}; i++)); do
		case ${w[i]} in
		-C | --file)
			file=${w[i + 1]-}
			[[ $file == = ]] && file=${w[i + 2]-} # "--file=F" as bash splits it
			;;
		-C?*) file=${w[i]#-C} ;;
		--file=*) file=${w[i]#--file=} ;;
		esac
	done
	# a literal "~/" as typed: the shell has not expanded it in a word being completed
	# shellcheck disable=SC2088
	[[ $file == '~/'* ]] && file=$HOME/${file:2}
	if [[ -n $file ]]; then
		"$prog" -C "$file" --list-accounts 2>/dev/null
	else
		"$prog" --list-accounts 2>/dev/null
	fi
}

# _postern_files WORD - file names into COMPREPLY, quoted as file names
# are (a space in a name)
_postern_files()
{
	mapfile -t COMPREPLY < <(compgen -f -- "$1")
	compopt -o filenames 2>/dev/null
	return 0
}

# _postern_prefixed PREFIX - the lines of standard input that begin with
# PREFIX, as they are: an account name is the file's text, and compgen -W
# would expand "$(...)" in it (completing a word must run nothing)
_postern_prefixed() {
	local line
	while IFS= read -r line; do
		[[ $line == "$1"* ]] && printf '%s\n' "$line"
	done
}

# _postern - the completion function (complete -F _postern postern)
_postern()
{
	local prog=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} opt='' value
	local prev=
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	# bash splits "--name=value" at "=": rejoin it
	if [[ $cur == = ]]; then
		opt=$prev value=
	elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
		opt=${COMP_WORDS[COMP_CWORD - 2]} value=$cur
	elif [[ $cur == --*=* ]]; then
		opt=${cur%%=*} value=${cur#*=}
	fi
	if [[ -n $opt ]]; then
		case $opt in
		--account) mapfile -t COMPREPLY < <(_postern_accounts "$prog" "${COMP_WORDS[@]}" | _postern_prefixed "$value") ;;
		--file | --logfile) _postern_files "$value" ;;
		*) mapfile -t COMPREPLY < <(_postern_values "$prog" "$opt" "$value") ;;
		esac
		return 0
	fi
	case $prev in
	-a) mapfile -t COMPREPLY < <(_postern_accounts "$prog" "${COMP_WORDS[@]}" | _postern_prefixed "$cur"); return 0 ;;
	-C | -X | --resend) _postern_files "$cur"; return 0 ;;
	-f | -r | -F | -N | -R | -V | -L | -O | -B | -h | -A) return 0 ;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_postern_options "$prog")" -- "$cur")
		# "--name=": the value comes next, without a space
		[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
	fi
	return 0
}
complete -F _postern postern
