"""Two texts of one policy compared, clause by clause and word by word, and their redlines.

    versions.py    the two texts (current, approved, approval:N, release:R, git:REV)
    batch.py       many pairs compared at once (one pandoc run parses every text)
    clauses.py     clause by clause (added, removed, changed, moved), with the change summary
    blocks.py      block by block: paragraphs, list items, table rows
    inlines.py     word by word inside a paragraph
    pandoc_ast.py  pandoc's parsed tree: parse Markdown, write it back, build nodes
    redline.py     the redline files: Word (docx_track.py: paragraph marks, rows, moves), and
    visual.py      HTML and PDF, summary first
    library.py     what a library release changed, and which schools' policies it reaches
"""
