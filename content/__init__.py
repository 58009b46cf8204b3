"""Remodel's content library: YAML data only (see docs/content-format.md).

This module exists so the data ships inside the installed package; it holds no logic.
"""

from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent
