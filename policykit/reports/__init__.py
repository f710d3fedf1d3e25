"""Stage 7, report: status and its exports, redlines for pages, the governors' site, the meeting pack.

Reports take what a command has already loaded, validated and rendered; none of them loads
a trust or runs a stage itself.
"""
