"""iamd.console."""
