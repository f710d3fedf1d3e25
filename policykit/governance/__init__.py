"""Decisions about documents: the ledger, approved texts, standing, the scheme of delegation.

Below the core stages: validate reads the ledger through it and render asks it where each
document stands; nothing here imports the core.
"""
