"""The database: models, sessions (with SQLite's write gate) and migrations
(see docs/design.md)."""
