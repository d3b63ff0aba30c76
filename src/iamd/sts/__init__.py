"""iamd.sts."""
