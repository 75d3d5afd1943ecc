"""What a 20-rule custom CEL policy costs over the recommended pack alone.

Run: python benchmarks/policy_bench.py [--corpus ../shared/corpus] [--repeat 5]

Two measurements over every file in the corpus:
  * in-process: load the policy (YAML, schema, CEL compilation) and evaluate every
    Dockerfile with dlint.engine, as `dlint check` does after discovery;
  * whole process: `python -m dlint check --config P CORPUS`, as a user sees it (skipped
    when the CLI is not available).
The ratio custom/recommended is what the policy package promises stays close to 1.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

RECOMMENDED = "extends: [recommended]\n"

CUSTOM_RULES = [
    ("image", "imageMatches(image, params.allow)", {"allow": ["docker.io/library/*", "gcr.io/**", "ghcr.io/**"]}),
    ("image", "!imageMatches(image, params.eol)", {"eol": ["alpine:3.14*", "node:14*", "python:2*"]}),
    ("image", "image.digest != null || image.source == 'syntax'", {}),
    ("image", "image.tag != 'latest'", {}),
    ("image", "size(image.unresolved) == 0", {}),
    ("image", "!(stage != null && stage.is_final) || imageMatches(image, params.final)",
     {"final": ["gcr.io/distroless/**", "docker.io/library/*"]}),
    ("image", "image.registry == null || !image.registry.startsWith('localhost')", {}),
    ("instruction",
     "instruction.keyword != 'RUN' || !instruction.original.matches('(curl|wget)[^|]*\\\\|\\\\s*(ba)?sh')", {}),
    ("instruction", "instruction.keyword != 'ADD' || instruction.args.all(a, !a.startsWith('http'))", {}),
    ("instruction", "instruction.keyword != 'RUN' || !instruction.original.contains('sudo ')", {}),
    ("instruction", "instruction.keyword != 'MAINTAINER'", {}),
    ("instruction", "instruction.keyword != 'RUN' || !instruction.original.contains('apt-get upgrade')", {}),
    ("instruction", "instruction.flags.all(f, f.name != 'privileged')", {}),
    ("stage", "!stage.is_final || (stage.user != null && !(stage.user.split(':')[0] in ['root', '0']))", {}),
    ("stage", "!stage.is_final || stage.instructions.exists(n, file.instructions[n].keyword == 'HEALTHCHECK')", {}),
    ("stage", "!stage.is_final || stage.instructions.exists(n, file.instructions[n].keyword == 'LABEL' && "
              "file.instructions[n].args.exists(a, a == 'org.opencontainers.image.source'))", {}),
    ("stage", "stage.name == null || stage.name == stage.name.lowerAscii()", {}),
    ("file", "size(file.stages) <= 8", {}),
    ("file", "file.instructions.filter(i, i.keyword == 'RUN').size() <= 40", {}),
    ("file", "glob(file.path, ['**']) && size(file.errors) == 0", {}),
]


# The same 20 rules written the way docs/policies.md ("Keeping rules fast") advises:
# regexFind (RE2, cached) instead of matches(), and no file.instructions[n] indexing.
GUIDED_RULES = list(CUSTOM_RULES)
GUIDED_RULES[7] = ("instruction", "instruction.keyword != 'RUN' || "
                   "regexFind(instruction.original, '(curl|wget)[^|]*\\\\|\\\\s*(ba)?sh') == ''", {})
GUIDED_RULES[14] = ("stage", "!stage.is_final || "
                    "file.instructions.exists(i, i.stage == stage.index && i.keyword == 'HEALTHCHECK')", {})
GUIDED_RULES[15] = ("stage", "!stage.is_final || file.instructions.exists(i, i.stage == stage.index && "
                    "i.keyword == 'LABEL' && i.args.exists(a, a == 'org.opencontainers.image.source'))", {})


def custom_policy(rules: list[tuple[str, str, dict[str, object]]] | None = None) -> str:
    import json

    lines = ["extends: [recommended]", "rules:"]
    for index, (on, require, params) in enumerate(rules if rules is not None else CUSTOM_RULES):
        lines += [
            f"  bench/rule-{index:02d}:",
            f"    title: Benchmark rule {index}",
            f"    on: {on}",
            f"    require: {json.dumps(require)}",
            "    message: \"rule " + str(index) + " on {{ file.path }}\"",
            f"    params: {json.dumps(params)}",
        ]
    return "\n".join(lines) + "\n"


def in_process(config: Path, files: list[Path], corpus: Path) -> float:
    from dlint import engine
    from dlint.dockerfile.document import load_document
    from dlint.policy import PolicyResolver

    start = time.perf_counter()
    resolver = PolicyResolver(corpus, config)
    for file in files:
        policy = resolver.for_file(file)
        doc = load_document(file.read_bytes(), file.relative_to(corpus).as_posix())
        engine.evaluate(doc, policy)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    corpus = args.corpus.resolve()
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.name != "MANIFEST.tsv")
    with tempfile.TemporaryDirectory() as tmp:
        from dlint.policy import load_policy_file

        base = Path(tmp) / "recommended.yaml"
        base.write_text(RECOMMENDED)
        variants = {"20 CEL rules, as first written": CUSTOM_RULES, "20 CEL rules, per the speed advice": GUIDED_RULES}
        policies: dict[str, Path] = {}
        for number, (label, rules) in enumerate(variants.items()):
            policies[label] = Path(tmp) / f"custom-{number}.yaml"
            policies[label].write_text(custom_policy(rules))
            assert sum(1 for r in load_policy_file(policies[label]).rules.values() if r.cel) == 20
        print(f"corpus: {len(files)} files")
        in_process(base, files, corpus)  # warm caches (imports, file system)
        a = statistics.median(in_process(base, files, corpus) for _ in range(args.repeat))
        print(f"in-process, recommended pack alone:           {a * 1000:8.1f} ms")
        for label, path in policies.items():
            in_process(path, files, corpus)
            b = statistics.median(in_process(path, files, corpus) for _ in range(args.repeat))
            print(f"in-process, + {label:<34} {b * 1000:8.1f} ms  ratio {b / a:.2f}")

        def run(config: Path) -> float:
            samples = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                result = subprocess.run(
                    [sys.executable, "-m", "dlint", "check", "--config", str(config), str(corpus)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False, cwd=REPO)
                samples.append(time.perf_counter() - start)
                if result.returncode not in (0, 1):
                    raise RuntimeError(result.stderr.decode(errors="replace")[-500:])
            return statistics.median(samples)

        try:
            a = run(base)
            print(f"dlint check, recommended pack alone:          {a * 1000:8.1f} ms")
            for label, path in policies.items():
                b = run(path)
                print(f"dlint check, + {label:<34} {b * 1000:8.1f} ms  ratio {b / a:.2f}")
        except (RuntimeError, OSError) as exc:
            print(f"whole process: skipped ({exc})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
