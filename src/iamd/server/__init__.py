"""iamd.server."""
