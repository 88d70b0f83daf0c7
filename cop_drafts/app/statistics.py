"""(being written)"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("statistics", __name__)
