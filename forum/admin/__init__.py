"""Administration: roles and expert topics."""
