"""Public profiles."""
