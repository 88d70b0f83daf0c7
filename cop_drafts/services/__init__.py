"""services layer (see docs/design.md)."""
