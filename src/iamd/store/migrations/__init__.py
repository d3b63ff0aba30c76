"""Alembic migrations of the iamd store."""
