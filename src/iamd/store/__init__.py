"""iamd.store."""
