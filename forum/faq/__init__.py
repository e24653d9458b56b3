"""The crowdsourced FAQ: popular threads become curated entries that search puts first.

popularity.py   the popularity score of a question and its periodic refresh
tracking.py     views (one per visitor per day, batched) and search click-throughs
candidates.py   the moderators' queue: popular or nominated threads; approve, dismiss, merge
entries.py      entries: edits with revisions, suggested edits, freshness, helpful votes
"""
