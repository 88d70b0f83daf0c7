"""The git store: one bare repository per Code, over pygit2; no Flask, no SQL.

This is the store's public face: import from ``cop_drafts.store``. Inside,
``DraftStore`` (repo.py) is put together from reading.py, writing.py and
merging.py over base.py; refs.py names branches, tags and paths; manifest.py
reads code.toml; values.py and errors.py are what crosses to other layers.
"""

from .base import LOCK_NAME, is_durable, set_durable
from .blame import StateCache
from .errors import (
    Conflict,
    ConflictSides,
    InvalidContent,
    InvalidPath,
    InvalidRev,
    NoChange,
    NotFound,
    StaleBase,
    StoreError,
    TagExists,
)
from .manifest import MANIFEST, Manifest, Milestone, SectionSpec, parse_manifest
from .objects import normalise_text
from .refs import (
    MAIN,
    WG_COUNT,
    branch_wg,
    check_path,
    check_rev,
    is_branch_name,
    is_hex_rev,
    is_path,
    is_tag_name,
    wg_branch,
)
from .repo import DraftStore, import_folder
from .values import (
    BlameLine,
    BranchInfo,
    CommitInfo,
    FileVersion,
    MergePreview,
    Person,
    SaveResult,
    TagInfo,
)

__all__ = [
    "LOCK_NAME",
    "MAIN",
    "MANIFEST",
    "WG_COUNT",
    "BlameLine",
    "BranchInfo",
    "CommitInfo",
    "Conflict",
    "ConflictSides",
    "DraftStore",
    "FileVersion",
    "InvalidContent",
    "InvalidPath",
    "InvalidRev",
    "Manifest",
    "MergePreview",
    "Milestone",
    "NoChange",
    "NotFound",
    "Person",
    "SaveResult",
    "SectionSpec",
    "StaleBase",
    "StateCache",
    "StoreError",
    "TagExists",
    "TagInfo",
    "branch_wg",
    "check_path",
    "check_rev",
    "import_folder",
    "is_branch_name",
    "is_durable",
    "is_hex_rev",
    "is_path",
    "is_tag_name",
    "normalise_text",
    "parse_manifest",
    "set_durable",
    "wg_branch",
]
