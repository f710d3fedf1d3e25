"""Where outputs may go: never over the trust's own files.

`--out ''` means the current folder, which is often the trust root: a build there would
scatter 80 files and a manifest among clauses/ and settings/, and `--out clauses` would put
documents into the library, where the next validate reads them as clauses.
"""

from __future__ import annotations

from pathlib import Path

from .errors import Problem, UsageError

GUARDED = ("clauses", "settings")


def check_output_folder(root: Path | str, out: Path | str, option: str = "--out") -> None:
    """Refuse (a usage error) an output folder that is the trust root, or holds or lies
    inside clauses/ or settings/."""
    folder, trust = Path(out).resolve(), Path(root).resolve()
    hint = "use build/, the default, or a folder outside clauses/ and settings/"
    shown = str(out)
    if folder == trust:
        raise UsageError(Problem(option, message=f"{shown} is the trust's own folder", hint=hint))
    for name in GUARDED:
        guarded = trust / name
        if folder == guarded or guarded in folder.parents:
            raise UsageError(Problem(option, message=f"{shown} is inside the trust's {name}/ folder", hint=hint))
        if folder in guarded.parents:
            raise UsageError(Problem(option, message=f"{shown} holds the trust's {name}/ folder", hint=hint))
