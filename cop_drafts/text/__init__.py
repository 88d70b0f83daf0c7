"""text layer (see docs/design.md)."""
