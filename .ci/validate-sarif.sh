#!/usr/bin/env bash
# Validate SARIF files with Microsoft's SARIF multitool, SARIF and GitHub (GHAS) rules on.
#
#   .ci/validate-sarif.sh [--allow RULE]... FILE...
#
# The multitool always exits 0, so this script reads what it prints and fails (exit 1) on any
# error or warning it reports, or when it does not finish its analysis. Exit 2: usage/setup.
# --allow RULE (e.g. GH1004) still prints that rule's reports but does not fail on them: an
# explicit, visible exception. GH1004 flags runs over 1,000 results, an old GitHub display
# default; GitHub now documents 25,000 results per run, which dlint enforces itself.
# The rule configuration lives in the shared folder next to the repository
# ($(dirname "$0")/../../shared, or $DLINT_SHARED); it enables GitHub's GH1001-GH1007 rules.
set -euo pipefail

MULTITOOL_VERSION="5.7.0"   # pinned: rule sets and messages change between releases

here="$(cd "$(dirname "$0")" && pwd)"
shared="${DLINT_SHARED:-$here/../../shared}"
config="$shared/sarif/multitool-github.xml"

allowed=()
while [ "$#" -gt 0 ]; do
    case "$1" in
        --allow) [ "$#" -ge 2 ] || { echo "validate-sarif: --allow needs a rule id" >&2; exit 2; }
                 allowed+=("$2"); shift 2 ;;
        --) shift; break ;;
        -*) echo "validate-sarif: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
if [ "$#" -eq 0 ]; then
    echo "usage: $0 [--allow RULE]... FILE..." >&2
    exit 2
fi
if [ ! -f "$config" ]; then
    echo "validate-sarif: $config not found (set DLINT_SHARED to the shared folder)" >&2
    exit 2
fi
command -v npx >/dev/null || { echo "validate-sarif: npx (Node.js) is required" >&2; exit 2; }

# The npm wrapper runs the native tool through a shell (spawnSync with shell: true), so every
# argument is re-parsed by /bin/sh: the ';' in "Sarif;Ghas" would end the command and
# silently drop the GitHub rules. Quote each argument once more for that inner shell.
q() { printf '%q' "$1"; }

failed=0
for file in "$@"; do
    if [ ! -f "$file" ]; then
        echo "validate-sarif: $file: no such file" >&2
        failed=1
        continue
    fi
    output="$(npx --yes "@microsoft/sarif-multitool@${MULTITOOL_VERSION}" validate "$(q "$file")" \
        --rule-kind "$(q 'Sarif;Ghas')" --config "$(q "$config")" 2>&1)" || true
    problems="$(printf '%s\n' "$output" | grep -E '(^|[: ])(error|warning) [A-Z]+[0-9]+' || true)"
    for rule in "${allowed[@]+"${allowed[@]}"}"; do
        excused="$(printf '%s\n' "$problems" | grep -E "(error|warning) ${rule}:" || true)"
        if [ -n "$excused" ]; then
            echo "validate-sarif: $file: allowed by --allow $rule:"
            printf '%s\n' "$excused"
            problems="$(printf '%s\n' "$problems" | grep -vE "(error|warning) ${rule}:" || true)"
        fi
    done
    if [ -n "$problems" ]; then
        echo "validate-sarif: $file: the SARIF multitool reports:" >&2
        printf '%s\n' "$problems" >&2
        failed=1
    elif ! printf '%s\n' "$output" | grep -q 'Analysis completed successfully'; then
        echo "validate-sarif: $file: the SARIF multitool did not complete:" >&2
        printf '%s\n' "$output" >&2
        failed=1
    else
        echo "validate-sarif: $file: ok"
    fi
done
exit "$failed"
