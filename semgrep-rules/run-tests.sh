#!/usr/bin/env bash
# Run every semgrep rule test of the pack, offline. Uses $SEMGREP, else `semgrep`
# from PATH.
#   bash semgrep-rules/run-tests.sh
# Exits non-zero if any rule fails to parse or any ruleid/ok annotation fails.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export SEMGREP_ENABLE_VERSION_CHECK=0   # no network round-trip per invocation
export SEMGREP_SEND_METRICS=off
SEMGREP="${SEMGREP:-semgrep}"
command -v "$SEMGREP" >/dev/null || { echo "semgrep not found on PATH" >&2; exit 2; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
status=0
cd "$HERE"

echo "== 1/3 config sanity: every rule file parses"
printf 'x = 1\n' > "$TMP/tiny.py"
if ! "$SEMGREP" scan --metrics=off --disable-version-check --strict --quiet \
        --config "$HERE" "$TMP/tiny.py" >/dev/null; then
    echo "FAIL: 'semgrep scan --config semgrep-rules/' did not exit 0" >&2
    status=1
fi

echo "== 2/3 rule tests (rule.yaml + same-named test file), per language"
# A relative config path is used on purpose: a path starting with r/ or p/
# would be read as a registry shorthand. The languages run side by side.
check() {  # check NAME OUTPUT-FILE: fail unless semgrep --test said all passed
    local out
    out="$(cat "$2")"
    echo "$1: $(echo "$out" | grep -E 'tests? (passed|did not pass)' || echo '?')"
    if ! echo "$out" | grep -q 'All tests passed' \
       || echo "$out" | grep -qE 'did not pass|produced errors|rule id mismatch'; then
        echo "$out" >&2
        echo "FAIL: $1" >&2
        status=1
    fi
}
for lang in python typescript java go; do
    "$SEMGREP" scan --test --metrics=off "$lang" >"$TMP/$lang.out" 2>&1 &
done
wait
for lang in python typescript java go; do check "$lang" "$TMP/$lang.out"; done

echo "== 3/3 guide samples (guide/*), against all rules of the pack"
# semgrep --test pairs one config with one target; the guide files carry
# annotations for rules from several files, so merge the pack into one file.
all="$TMP/all-rules.yaml"
echo "rules:" > "$all"
while IFS= read -r f; do
    grep -v '^rules:[[:space:]]*$' "$f" >> "$all"
done < <(find python typescript java go -name '*.yaml' | sort)
for sample in guide/*; do
    [ -f "$sample" ] || continue
    "$SEMGREP" scan --test --metrics=off --config "$all" "$sample" >"$TMP/$(basename "$sample").out" 2>&1 &
done
wait
for sample in guide/*; do
    [ -f "$sample" ] && check "$sample" "$TMP/$(basename "$sample").out"
done

if [ "$status" -eq 0 ]; then echo "ALL SEMGREP RULE TESTS PASSED"; else echo "SEMGREP RULE TESTS FAILED" >&2; fi
exit "$status"
