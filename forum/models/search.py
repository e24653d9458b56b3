"""The search outbox and what visitors searched for."""
