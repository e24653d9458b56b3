"""Where imported rows came from: original ids, so an import can run again."""
