"""Output writers: CSV, JSON summaries and other exports."""
