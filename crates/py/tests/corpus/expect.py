#!/usr/bin/env python3
"""Record (or check) what CPython 3.11 prints for every corpus program.

Usage, from this directory:

    python3 expect.py                 run every NNN_*.py 20 times (5 if slow), write expectations
    python3 expect.py --check         run every program once, compare with the stored files
    python3 expect.py 041 053         only the programs whose names start with these prefixes
    python3 expect.py --runs 50 041   more runs than usual for one program

Each program runs as `python3 NNN_name.py` with this directory as the working directory.
The files written next to it are:

    NNN_name.out    stdout (always written, may be empty)
    NNN_name.err    stderr, only when it is not empty
    NNN_name.code   the exit code, only when it is not 0

Two paths in stderr are normalised so that the expectations do not depend on where the corpus
or CPython is installed: since 3.9 CPython makes the script path absolute, so
`File "/abs/path/to/corpus/NNN_name.py"` is written as `File "NNN_name.py"`, and frames of the
standard library, `File "/usr/lib/python3.11/threading.py"`, are written as
`File "<stdlib>/threading.py"`.

A program whose output differs between runs is reported as unstable; nothing is written for it
and the script exits with status 1. Every run gets a different PYTHONHASHSEED (1, 2, 3, ...), so
output that depends on the iteration order of sets of strings shows up as unstable.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROGRAM_RE = re.compile(r"^\d{3}_[a-z0-9_]+\.py$")
HEADER_RE = re.compile(r"^# level: ([1-4]) \u2014 \S.*$")
RUNS = 20
SLOW_RUNS = 5
SLOW_SECONDS = 0.3  # a first run slower than this makes the program "slow"
TIMEOUT = 30.0
MIN_LINES, MAX_LINES = 10, 60


def find_programs(prefixes):
    progs = sorted(p for p in HERE.iterdir() if PROGRAM_RE.match(p.name))
    if prefixes:
        progs = [p for p in progs if any(p.name.startswith(x) for x in prefixes)]
    return progs


def read_level(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    m = HEADER_RE.match(lines[0]) if lines else None
    return (int(m.group(1)) if m else None), len(lines)


def stdlib_dirs(python):
    code = "import sysconfig, os; p = sysconfig.get_paths()['stdlib']; print(p); print(os.path.realpath(p))"
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout
    return sorted({line for line in out.splitlines() if line}, key=len, reverse=True)


def clean_env(seed):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONHASHSEED"] = str(seed)
    return env


class Runner:
    def __init__(self, python):
        self.python = python
        here = [str(HERE), os.path.realpath(HERE)]
        self.replacements = [(f'File "{d}{os.sep}', 'File "') for d in sorted(set(here), key=len, reverse=True)]
        self.replacements += [(f'File "{d}{os.sep}', 'File "<stdlib>/') for d in stdlib_dirs(python)]

    def normalise(self, data):
        text = data.decode("utf-8", errors="surrogateescape")
        for old, new in self.replacements:
            text = text.replace(old, new)
        return text.encode("utf-8", errors="surrogateescape")

    def run(self, path, seed):
        started = time.monotonic()
        try:
            proc = subprocess.run(
                [self.python, path.name], cwd=HERE, env=clean_env(seed),
                stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT,
            )
            result = (proc.stdout, self.normalise(proc.stderr), proc.returncode)
        except subprocess.TimeoutExpired as e:
            result = (e.stdout or b"", self.normalise(e.stderr or b""), "timeout")
        return result, time.monotonic() - started


def stored(path):
    out = path.with_suffix(".out")
    err = path.with_suffix(".err")
    code = path.with_suffix(".code")
    if not out.exists():
        return None
    return (
        out.read_bytes(),
        err.read_bytes() if err.exists() else b"",
        int(code.read_text().strip()) if code.exists() else 0,
    )


def write(path, result):
    stdout, stderr, code = result
    path.with_suffix(".out").write_bytes(stdout)
    for suffix, present, data in ((".err", bool(stderr), stderr), (".code", code != 0, f"{code}\n".encode())):
        target = path.with_suffix(suffix)
        if present:
            target.write_bytes(data)
        elif target.exists():
            target.unlink()


def describe_difference(a, b):
    names = ("stdout", "stderr", "exit code")
    for name, x, y in zip(names, a, b):
        if x != y:
            if isinstance(x, bytes):
                xl, yl = x.decode(errors="replace").splitlines(), y.decode(errors="replace").splitlines()
                for i, (p, q) in enumerate(zip(xl + [""] * len(yl), yl + [""] * len(xl))):
                    if p != q:
                        return f"{name} line {i + 1}: {p!r} vs {q!r}"
            return f"{name}: {x!r} vs {y!r}"
    return "identical"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("prefixes", nargs="*", help="only programs whose file names start with one of these")
    ap.add_argument("--check", action="store_true", help="compare a fresh run with the stored files; write nothing")
    ap.add_argument("--runs", type=int, default=None, help=f"runs per program (default {RUNS}, {SLOW_RUNS} if slow; 1 with --check)")
    ap.add_argument("--python", default=shutil.which("python3") or "python3", help="the CPython to run (default: python3 on PATH)")
    args = ap.parse_args()

    version = subprocess.run([args.python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    if version != "3.11":
        print(f"expect.py: {args.python} is Python {version}; the expectations are CPython 3.11's", file=sys.stderr)
        return 2

    programs = find_programs(args.prefixes)
    if not programs:
        print("expect.py: no programs matched", file=sys.stderr)
        return 2
    runner = Runner(args.python)
    failures = []
    header = f"{'program':<28} {'level':>5} {'runs':>4}  {'stable?':<8} {'exit':>4} {'max s':>6}"
    if args.check:
        header = header.replace("stable?", "matches")
    print(header)
    print("-" * len(header))
    counts = {}
    for path in programs:
        level, nlines = read_level(path)
        notes = []
        if level is None:
            notes.append("bad or missing '# level: N \u2014 ...' header")
            failures.append(path.name)
        else:
            counts[level] = counts.get(level, 0) + 1
        if not MIN_LINES <= nlines <= MAX_LINES:
            notes.append(f"{nlines} lines (expected {MIN_LINES}-{MAX_LINES})")

        first, seconds = runner.run(path, seed=1)
        times = [seconds]
        if args.check:
            runs = args.runs or 1
        else:
            runs = args.runs or (SLOW_RUNS if seconds > SLOW_SECONDS else RUNS)
        stable = True
        for i in range(1, runs):
            result, seconds = runner.run(path, seed=i + 1)
            times.append(seconds)
            if result != first:
                stable = False
                notes.append(f"run {i + 1} differs: {describe_difference(first, result)}")
                break
        if first[2] == "timeout":
            stable = False
            notes.append(f"timed out after {TIMEOUT:.0f} s")

        if args.check:
            expected = stored(path)
            if expected is None:
                verdict = "missing"
            elif not stable:
                verdict = "unstable"
            elif expected != first:
                verdict = "DIFFERS"
                notes.append(describe_difference(expected, first))
            else:
                verdict = "yes"
            if verdict != "yes":
                failures.append(path.name)
        else:
            verdict = "yes" if stable else "NO"
            if stable and level is not None:
                write(path, first)
            elif not stable:
                failures.append(path.name)
        print(f"{path.name:<28} {level or '?':>5} {len(times):>4}  {verdict:<8} {first[2]!s:>4} {max(times):>6.2f}"
              + "".join(f"\n    ! {n}" for n in notes), flush=True)

    stale = sorted(p.name for p in HERE.iterdir()
                   if p.suffix in (".out", ".err", ".code") and not p.with_suffix(".py").exists())
    if stale:
        print("expectation files without a program:", " ".join(stale))
    print("-" * len(header))
    print("programs per level:", ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())),
          f"(total {sum(counts.values())})")
    if failures:
        what = "do not match" if args.check else "are unstable or malformed (nothing written for them)"
        print(f"{len(failures)} program(s) {what}:", " ".join(failures))
        return 1
    print("all programs match their expectations" if args.check else "all programs stable; expectations written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
