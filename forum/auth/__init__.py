"""Accounts: registration, signing in and out, passwords and API tokens."""
