"""Stage 5, write: the output formats, the external tools behind them, and the files they finish.

Kept free of imports: `DEFAULT_FORMATS` is read by a build that may find nothing to do, which
never loads pandoc's or python-docx's side of the package.
"""

DEFAULT_FORMATS = ("md", "docx", "pdf", "html")
