"""Typst (inside the typst wheel) compiles pandoc's Typst output to a tagged PDF/UA-1, in-process."""

from __future__ import annotations

from pathlib import Path

from policykit.errors import PolicykitError, Problem
from policykit.system.assets import asset


def typst_pdf(source: bytes, epoch: int, logo: str | None = None) -> bytes:
    """Compile Typst source to a tagged PDF/UA-1 in-process, dated `epoch` (never the clock).

    The logo reaches the template as a file name in `sys.inputs`, never in the source, and
    Typst may read only the logo's own folder.
    """
    import typst

    root, inputs = None, {}
    if logo:
        root, inputs = str(Path(logo).parent), {"logo": "/" + Path(logo).name}
    try:
        return typst.compile(
            source,
            root=root,
            font_paths=[asset("fonts")],
            ignore_system_fonts=True,
            sys_inputs=inputs,
            pdf_standards=["ua-1"],
            timestamp=epoch,
        )
    except Exception as exc:  # typst raises its own TypstError with the compiler's message
        raise PolicykitError(Problem("typst", message=f"PDF compilation failed: {exc}")) from None
