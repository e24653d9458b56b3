"""Questions, answers, comments, revisions and tags."""
