"""iamd.cli."""
