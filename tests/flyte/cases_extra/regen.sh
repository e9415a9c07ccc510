#!/usr/bin/env bash
# Run the shared Flyte oracle (real SDK, flyte==2.12.1) on envc's own oracle cases — the case file
# tests/flyte/<case>/<case>.py of each <case>.json here — and store its output here as <case>.json
# (the file extract.py reads for these cases).
#
#   tests/flyte/cases_extra/regen.sh            # rewrite every <case>.json
#   tests/flyte/cases_extra/regen.sh --check    # rerun into a temp dir, diff, exit 1 on a difference
#
# Environment: FLYTE_ORACLE (default: ../shared/flyte-oracle beside the repository) and
# ORACLE_PYTHON (default: /tmp/flyte-oracle/venv/bin/python; create it with the oracle's setup.sh).
# The oracle copies nothing into the repository; it writes JSON on stdout only.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
ORACLE="${FLYTE_ORACLE:-$REPO/../shared/flyte-oracle}"
PY="${ORACLE_PYTHON:-/tmp/flyte-oracle/venv/bin/python}"
CHECK=0
[ "${1:-}" = "--check" ] && CHECK=1
OUT="$HERE"
[ "$CHECK" = 1 ] && OUT="$(mktemp -d)"
fail=0
for j in "$HERE"/*.json; do
  name="$(basename "$j" .json)"
  f="$HERE/../$name/$name.py"
  "$PY" "$ORACLE/oracle.py" "$f" > "$OUT/$name.json" 2> /dev/null
  if [ "$CHECK" = 1 ]; then
    if ! cmp -s "$HERE/$name.json" "$OUT/$name.json"; then echo "DIFF $name"; fail=1; fi
  elif python3 -c 'import json,sys; sys.exit(0 if "error" in json.load(open(sys.argv[1])) else 1)' "$OUT/$name.json"; then
    printf '%-45s ERROR  %s\n' "$name" "$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; print(e["type"]+": "+e["message"][:90])' "$OUT/$name.json")"
  else
    printf '%-45s ok\n' "$name"
  fi
done
[ "$CHECK" = 1 ] && { [ "$fail" = 0 ] && echo "every case reproduces" || echo "outputs in $OUT"; }
exit $fail
