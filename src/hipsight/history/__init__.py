"""Progress across sessions: a local SQLite database of sessions and their metrics."""
