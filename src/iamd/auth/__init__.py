"""iamd.auth."""
