"""The content library: schema, loader and cross-reference validation.

`load_library(root, language)` is the one way to read `content/`; see docs/content-format.md.
"""

from flows.library.loader import ContentError, Library, load_library
from flows.library.validate import validate_library

__all__ = ["ContentError", "Library", "load_library", "validate_library"]
