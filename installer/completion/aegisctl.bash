# bash completion for aegisctl. The candidates come from `aegisctl __complete WORD...`, which
# knows the commands and flags of the binary that answers, and asks the daemon (with the
# --server, --token-file, ... already on the line) for service, namespace, config item and
# rollout names.
_aegisctl() {
    local cur words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -n =: || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi
    local candidates
    candidates=$("${words[0]}" __complete "${words[@]:1:cword-1}" "$cur" 2>/dev/null) || return
    if [[ -z $candidates ]]; then
        # A file name, or nothing the binary can know.
        compopt -o default 2>/dev/null
        COMPREPLY=()
        return
    fi
    mapfile -t COMPREPLY < <(compgen -W "$candidates" -- "$cur")
    # NAMESPACE/ continues with the namespace's items: no space after it.
    if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == */ ]]; then
        compopt -o nospace 2>/dev/null
    fi
}
complete -F _aegisctl aegisctl
