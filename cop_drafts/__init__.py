"""cop-drafts: drafting, commenting and publishing a Code of Practice over git."""

__version__ = "0.1.0"
