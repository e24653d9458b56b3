"""Votes and accepted answers."""
