"""The demo community: placeholder until the full seed lands."""

DEMO_LOGINS: list[tuple[str, str, str]] = []


def seed_demo_community() -> None:
    """Create the demo community."""
