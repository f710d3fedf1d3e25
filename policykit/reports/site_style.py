"""The site's one stylesheet: the trust's colour where it is readable, and a colour for each state."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

from policykit.governance.standing import APPROVED, AWAITING, CHANGED_SINCE_APPROVAL, DRAFT, DUE, OVERDUE
from policykit.system.assets import asset

# Each state: (text colour, background, border). Text on background is at least 7:1, and the
# state is always written in words as well (WCAG 1.4.1: not by colour alone).
STATE_COLOURS: dict[str, tuple[str, str, str]] = {
    APPROVED: ("#14532D", "#E3F2E6", "#2E7D32"),
    DUE: ("#5C3D00", "#FFF1C2", "#B7791F"),
    OVERDUE: ("#7F1D1D", "#FBE3E3", "#B91C1C"),
    CHANGED_SINCE_APPROVAL: ("#4A1D6E", "#F0E6F8", "#7B3FA6"),
    AWAITING: ("#0B3C61", "#E0EDF8", "#2B6CB0"),
    DRAFT: ("#333333", "#EDEDED", "#6B6B6B"),
}


DEFAULT_PRIMARY = "#1F4E79"


def state_class(state: str) -> str:
    """The CSS class of a state: 'st-changed-since-approval'."""
    return "st-" + re.sub(r"[^a-z]+", "-", state).strip("-")


def contrast(fg: str, bg: str) -> float:
    """WCAG 2.1 contrast ratio of two #RRGGBB colours."""
    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def brand(trust: Mapping[str, Any]) -> str:
    """The trust's primary colour where white text on it (and it as text on white) is readable."""
    colour = str(trust.get("trust", {}).get("colours", {}).get("primary", DEFAULT_PRIMARY))
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", colour) or contrast(colour, "#FFFFFF") < 4.5:
        return DEFAULT_PRIMARY
    return colour.upper()


def stylesheet(trust: Mapping[str, Any]) -> str:
    states = "\n".join(
        f".{state_class(s)} {{ --fg: {fg}; --bg: {bg}; --edge: {edge}; }}" for s, (fg, bg, edge) in STATE_COLOURS.items())
    css = (Path(asset("templates/site/style.css"))).read_text(encoding="utf-8")
    return css.replace("/* STATES */", states).replace("#1F4E79", brand(trust))
