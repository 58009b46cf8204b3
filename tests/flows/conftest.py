"""Fixtures for engine tests.

The engine's own content parts are loaded from the real `content/`; exercises,
cross-training and education are small fixtures (engine_helpers), so these tests do not
depend on files other people are still writing; test_library checks the real library.
"""

from __future__ import annotations

import pytest
from engine_helpers import engine_library

from flows.library.loader import Library


@pytest.fixture(scope="session")
def library() -> Library:
    return engine_library()
