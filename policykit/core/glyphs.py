"""Which characters the PDF's fonts can draw: a tagged PDF (PDF/UA) must not show a missing glyph.

Typst refuses a whole document over one glyph no font has, naming no file or key, so
validate asks here first. The PDF sets its text in the bundled Lato (policykit/fonts); for a
character Lato lacks, Typst falls back to the fonts inside it (Libertinus Serif, New
Computer Modern, DejaVu Sans Mono), which is how an Arabic or Cyrillic school name already
builds. So a character is drawable when Lato's cmap has it, or else when Typst, asked to
draw it in the four styles the documents use, can: the few characters beyond Lato are tried
in one small Typst compile, exact for the Typst installed and a few milliseconds, only when
such a character appears.

Lato's cmap is read here by hand (subtable formats 4 and 12, all Lato has, 60 lines) rather
than with fontTools: that would be a large dependency to read one table of four files.
"""

from __future__ import annotations

import re
import struct
from functools import lru_cache
from typing import Iterable

from policykit.core.characters import ALLOWED_CONTROLS, not_text
from policykit.system.assets import FONTS, asset

STYLES = ("", 'weight: "bold", ', 'style: "italic", ', 'weight: "bold", style: "italic", ')


def undrawable(chars: Iterable[str]) -> set[str]:
    """The characters among `chars` that no font of the PDF can draw."""
    candidates = {c for c in chars if ord(c) not in lato() and c not in ALLOWED_CONTROLS and not not_text(c)}
    return {c for c, ok in probe(candidates).items() if not ok} if candidates else set()


@lru_cache(maxsize=1)
def lato() -> frozenset[int]:
    """Code points every bundled Lato style maps to a glyph."""
    sets = [cmap(path.read_bytes()) for path in sorted(FONTS.glob("Lato-*.ttf"))]
    return frozenset.intersection(*sets) if sets else frozenset()


_DRAWABLE: dict[str, bool] = {}  # what Typst answered, for this process


def probe(chars: Iterable[str]) -> dict[str, bool]:
    """Whether Typst can draw each character (cached: one compile for all that are new)."""
    new = sorted({c for c in chars if c not in _DRAWABLE})
    if new:
        _DRAWABLE.update(_probe(new))
    return {c: _DRAWABLE[c] for c in chars}


def _probe(chars: list[str]) -> dict[str, bool]:
    import typst


    lines = ['#set text(font: "Lato")', '#set document(title: "glyphs")']
    first = len(lines) + 1
    for char in chars:
        lines.append(" ".join(f'#text({style}"\\u{{{ord(char):x}}}")' for style in STYLES))
    try:
        typst.compile("\n".join(lines).encode("utf-8"), font_paths=[asset("fonts")], ignore_system_fonts=True,
                      pdf_standards=["ua-1"], timestamp=0)
    except typst.TypstError as exc:
        failing = {int(n) for n in re.findall(r"\.typ:(\d+):\d+", getattr(exc, "diagnostic", "") or "")}
        if not failing:  # not the diagnostics we know: try each on its own, if there are several
            if len(chars) == 1:
                return {chars[0]: False}
            return {c: _probe([c])[c] for c in chars}
        return {c: (first + i) not in failing for i, c in enumerate(chars)}
    return {c: True for c in chars}


def cmap(font: bytes) -> frozenset[int]:
    """The code points a TrueType font's cmap maps to a glyph (subtable formats 4 and 12)."""
    count = struct.unpack_from(">H", font, 4)[0]
    tables = {struct.unpack_from(">4s", font, 12 + 16 * i)[0]: struct.unpack_from(">I", font, 12 + 16 * i + 8)[0]
              for i in range(count)}
    base = tables[b"cmap"]
    covered: set[int] = set()
    for i in range(struct.unpack_from(">H", font, base + 2)[0]):
        platform, encoding, offset = struct.unpack_from(">HHI", font, base + 4 + 8 * i)
        if (platform, encoding) not in ((0, 3), (0, 4), (3, 1), (3, 10)):
            continue  # not Unicode
        at = base + offset
        fmt = struct.unpack_from(">H", font, at)[0]
        if fmt == 4:
            covered |= _format4(font, at)
        elif fmt == 12:
            for k in range(struct.unpack_from(">I", font, at + 12)[0]):
                start, end, _ = struct.unpack_from(">III", font, at + 16 + 12 * k)
                covered.update(range(start, end + 1))
    return frozenset(covered)


def _format4(font: bytes, at: int) -> set[int]:
    segments = struct.unpack_from(">H", font, at + 6)[0] // 2
    ends = struct.unpack_from(f">{segments}H", font, at + 14)
    starts = struct.unpack_from(f">{segments}H", font, at + 16 + 2 * segments)
    deltas = struct.unpack_from(f">{segments}h", font, at + 16 + 4 * segments)
    range_at = at + 16 + 6 * segments
    offsets = struct.unpack_from(f">{segments}H", font, range_at)
    covered = set()
    for k in range(segments):
        for code in range(starts[k], ends[k] + 1):
            if code == 0xFFFF:
                continue
            if offsets[k] == 0:
                glyph = (code + deltas[k]) & 0xFFFF
            else:
                glyph = struct.unpack_from(">H", font, range_at + 2 * k + offsets[k] + 2 * (code - starts[k]))[0]
                glyph = (glyph + deltas[k]) & 0xFFFF if glyph else 0
            if glyph:
                covered.add(code)
    return covered
