"""iamd.iam."""
