#!/usr/bin/env bash
# The simulator's events benchmark at another revision and at the working tree, side by side:
# both are built, then run in alternation (round by round, so a change in the machine's speed
# hits both), and the medians of events/s are compared per case.
#
#   bash xtask/bench-vs.sh REV [ROUNDS]     e.g. bash xtask/bench-vs.sh 1d29843 5
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

rev="${1:?usage: bench-vs.sh REV [ROUNDS]}"
rounds="${2:-5}"
base="$ROOT/target/bench-vs/$rev"

bench_exe() { # $1: source dir, $2: target dir
    (cd "$1" && CARGO_TARGET_DIR="$2" cargo bench -p interleave-sim --bench events --no-run 2>&1) |
        sed -n 's/.*Executable .*(\(.*\)).*/\1/p' | tail -1
}

if [ ! -d "$base/src" ]; then
    say "checking out $rev"
    mkdir -p "$base"
    git -C "$ROOT" worktree add --detach "$base/src" "$rev" >/dev/null
fi
say "building the events bench at $rev"
old="$(bench_exe "$base/src" "$base/target")"
say "building the events bench at the working tree"
new="$(bench_exe "$ROOT" "$ROOT/target")"
[ -x "$old" ] && [ -x "$new" ] || { echo "bench-vs: a build failed" >&2; exit 1; }

out="$(mktemp -d)"
for r in $(seq "$rounds"); do
    say "round $r of $rounds"
    "$old" --runs=1 >"$out/old.$r"
    "$new" --runs=1 >"$out/new.$r"
done

python3 - "$out" "$rounds" "$rev" <<'EOF'
import re, statistics, sys
out, rounds, rev = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def rates(path):
    r = {}
    for line in open(path):
        m = re.match(r"^(\d.*?(?:GIL))\s+\d+\s+\d+\s+[\d.]+ms\s+(\d+)", line)
        if m:
            r[m.group(1).strip()] = float(m.group(2))
    return r
old = [rates(f"{out}/old.{i}") for i in range(1, rounds + 1)]
new = [rates(f"{out}/new.{i}") for i in range(1, rounds + 1)]
print(f"\nevents/s, medians of {rounds} alternating rounds: {rev} vs working tree")
print(f"{'case':<40} {rev:>14} {'now':>14} {'now/' + rev:>12}")
ratios = []
for case in old[0]:
    o = statistics.median(x[case] for x in old)
    n = statistics.median(x[case] for x in new)
    per_round = statistics.median(b[case] / a[case] for a, b in zip(old, new))
    ratios.append(per_round)
    print(f"{case:<40} {o:>14.0f} {n:>14.0f} {per_round:>11.2f}×")
print(f"median of the per-round ratios over all cases: {statistics.median(ratios):.2f}×")
EOF
rm -rf "$out"
