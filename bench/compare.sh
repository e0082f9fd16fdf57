#!/usr/bin/env bash
# Regressions made visible (docs/benchmarks/http.md): the microbenchmarks (bench/micro/run.ts) on the
# working tree and on `main` (a temporary `git worktree` with its own `npm ci`), then the ratios.
# The same benchmark code measures both trees: run.ts --root points it at main's src/.
#
#   npm run bench:compare               # full microbenchmarks, ~1 min per tree
#   QUICK=1 npm run bench:compare       # shorter rounds
#   BASE=some-branch npm run bench:compare
#   LINK_MODULES=1 ...                  # reuse this tree's node_modules instead of npm ci (faster, for
#                                       # when package-lock.json did not change)
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
BASE=${BASE:-main}
NODE_BIN=${NODE_BIN:-$ROOT/node_modules/.bin/node}
OUT_DIR=${OUT_DIR:-$HERE/.run}
QUICK_ARG=(); [[ ${QUICK:-0} == 1 ]] && QUICK_ARG=(--quick)
mkdir -p "$OUT_DIR"

WT=$(mktemp -d "${TMPDIR:-/tmp}/portico-bench-$BASE.XXXXXX")
cleanup() { git -C "$ROOT" worktree remove --force "$WT" >/dev/null 2>&1 || rm -rf "$WT"; git -C "$ROOT" worktree prune >/dev/null 2>&1; }
trap cleanup EXIT
git -C "$ROOT" worktree add --detach "$WT" "$BASE" >/dev/null 2>&1 || { echo "compare.sh: git worktree add $BASE failed" >&2; exit 1; }
echo "[$(date +%H:%M:%S)] $BASE at $(git -C "$WT" rev-parse --short HEAD) in $WT" >&2
if [[ ${LINK_MODULES:-0} == 1 ]]; then
  ln -s "$ROOT/node_modules" "$WT/node_modules"
else
  echo "[$(date +%H:%M:%S)] npm ci in the $BASE worktree" >&2
  (cd "$WT" && npm ci --no-audit --no-fund >/dev/null 2>&1) || { echo "compare.sh: npm ci failed in $WT" >&2; exit 1; }
fi

echo "[$(date +%H:%M:%S)] microbenchmarks: working tree" >&2
timeout 900 "$NODE_BIN" "$HERE/micro/run.ts" "${QUICK_ARG[@]}" --root "$ROOT" --out "$OUT_DIR/micro-work.json" >/dev/null || echo "working tree run failed" >&2
echo "[$(date +%H:%M:%S)] microbenchmarks: $BASE" >&2
timeout 900 "$NODE_BIN" "$HERE/micro/run.ts" "${QUICK_ARG[@]}" --root "$WT" --out "$OUT_DIR/micro-$BASE.json" >/dev/null || echo "$BASE run failed" >&2
"$NODE_BIN" "$HERE/lib/compare-report.ts" "$OUT_DIR/micro-$BASE.json" "$OUT_DIR/micro-work.json" "$BASE" | tee "$OUT_DIR/compare.md"
