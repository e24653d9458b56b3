"""Private follow-ups: a staff expert and a question's asker settle account details privately."""
