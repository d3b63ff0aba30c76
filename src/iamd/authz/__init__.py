"""May they: the one place a call becomes an authorization decision."""
