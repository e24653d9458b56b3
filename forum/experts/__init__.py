"""Staff experts: topics, official answers, the expert queue, claims and assignments."""
