"""Moderation: flags and the review queue, thread actions, suspensions and the audit log."""
