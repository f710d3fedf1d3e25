"""The one font family every output is set in: its name and its four bundled files (policykit/fonts)."""

from __future__ import annotations

from pathlib import Path

from policykit.system.assets import FONTS

FAMILY = "DejaVu Sans"
# Word's names for the four styles -> the bundled files (DejaVu calls its italics Oblique)
FILES = {"Regular": "DejaVuSans.ttf", "Bold": "DejaVuSans-Bold.ttf", "Italic": "DejaVuSans-Oblique.ttf",
         "BoldItalic": "DejaVuSans-BoldOblique.ttf"}


def font_files() -> tuple[Path, ...]:
    """The four bundled files, Regular, Bold, Italic, Bold Italic."""
    return tuple(FONTS / name for name in FILES.values())
