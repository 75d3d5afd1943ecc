"""Time the parse stage (and parse + model building) over the shared corpus.

Run: python benchmarks/parse_bench.py [--corpus ../shared/corpus] [--repeat 7] [--words]

Files are read into memory once, so only ``parse`` and ``build_model`` are timed.  Each
figure is the median of ``--repeat`` whole passes over the corpus (the machine is shared,
so single passes are noisy), reported as total milliseconds and microseconds per file.
``--words`` also touches every instruction's lazily built ``words`` and the document's
comments, which is what a run with every check enabled ends up paying for.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from dlint.dockerfile.document import build_model  # noqa: E402
from dlint.dockerfile.parser import parse  # noqa: E402


def _pass(files: list[tuple[str, bytes]], model: bool, touch: bool) -> float:
    start = time.perf_counter()
    for name, raw in files:
        doc = parse(raw, name)
        if model:
            build_model(doc)
        if touch:
            for ins in doc.instructions:
                len(ins.words)
            len(doc.comments)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--words", action="store_true", help="also build every lazy word list")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"corpus not found at {args.corpus}; pass --corpus", file=sys.stderr)
        return 2
    paths = sorted(p for p in args.corpus.rglob("*") if p.is_file() and p.name != "MANIFEST.tsv")
    files = [(str(p.relative_to(args.corpus)), p.read_bytes()) for p in paths]
    print(f"corpus: {len(files)} files, {sum(len(raw) for _, raw in files) / 1e6:.1f} MB")
    _pass(files, model=True, touch=args.words)  # warm caches (regexes, lazy imports)
    for label, model in (("parse", False), ("parse+model", True)):
        samples = []
        for _ in range(args.repeat):
            gc.collect()
            samples.append(_pass(files, model, args.words))
        median = statistics.median(samples)
        print(
            f"{label:<12} median {median * 1000:8.1f} ms  {median / len(files) * 1e6:7.1f} us/file"
            f"  (min {min(samples) * 1000:.1f} ms, {args.repeat} runs)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
