"""GitHub's ``primaryLocationLineHash``, computed the way github/codeql-action's upload step does.

Why: when a SARIF file arrives without ``partialFingerprints``, the upload action hashes the
source lines itself; other uploaders (the REST API, GitLab mirrors, ``gh`` scripts) do not, and
alerts then reopen whenever a line moves.  Writing the same value the action would compute keeps
alerts stable whichever way the file is uploaded, and never conflicts with the action (it warns
when an existing fingerprint disagrees with its own).

The behaviour reproduced (written from a reading of the action's description, not its code):

* input is the file as UTF-16 code units; spaces and tabs are skipped everywhere, ``\\r\\n`` and a
  lone ``\\r`` count as ``\\n``;
* every line (including an empty last "line" after a final newline, or the only line of an
  empty file) starts where its first kept character is; the end of the file is marked by the
  code unit 0xFFFF, followed by zeros;
* a line's hash is the polynomial hash, base 37 modulo 2**64, of the 100 kept code units that
  start at the line, written as lower-case hex without leading zeros;
* the fingerprint is ``<hash>:<n>`` where ``n`` counts how many lines so far had that hash.
"""

from __future__ import annotations

_BASE = 37
_WINDOW = 100
_MASK = (1 << 64) - 1
_END_OF_FILE = 0xFFFF
_SKIPPED = (0x20, 0x09)  # space, tab
_LF = 0x0A
_CR = 0x0D


def _code_units(text: str) -> list[int]:
    """UTF-16 code units, as JavaScript's ``charCodeAt`` sees the text."""
    data = text.encode("utf-16-le", "surrogatepass")
    return [data[i] | (data[i + 1] << 8) for i in range(0, len(data), 2)]


def line_hashes(text: str) -> list[str]:
    """Fingerprints of every line of ``text``; element ``i`` belongs to line ``i + 1``."""
    kept: list[int] = []
    starts: list[int] = []
    at_line_start = True
    after_cr = False
    for unit in [*_code_units(text), _END_OF_FILE]:
        if unit in _SKIPPED or (after_cr and unit == _LF):
            after_cr = False
            continue
        after_cr = unit == _CR
        if after_cr:
            unit = _LF
        if at_line_start:
            at_line_start = False
            starts.append(len(kept))
        if unit == _LF:
            at_line_start = True
        kept.append(unit)
    kept.extend([0] * _WINDOW)

    seen: dict[str, int] = {}
    out: list[str] = []
    for start in starts:
        value = 0
        for unit in kept[start:start + _WINDOW]:
            value = (value * _BASE + unit) & _MASK
        digest = format(value, "x")
        seen[digest] = seen.get(digest, 0) + 1
        out.append(f"{digest}:{seen[digest]}")
    return out
