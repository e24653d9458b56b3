"""Votes and the reputation ledger."""
