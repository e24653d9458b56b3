"""Suggested edits: edits by members below the edit privilege, reviewed before they apply."""
