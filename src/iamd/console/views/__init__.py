"""The console's pages, one module per area; each lists its routes in ``routes(console)``."""
