"""The front of the pipeline: files in, canonical Markdown out (load, validate, resolve, render).

No subprocesses and no writes: everything here reads the trust's files and returns new
immutable values (model.py), so any command can run it once and hand the results on.
"""
