"""Fixtures shared by the whole suite.

Two kinds of tests depend on things outside a user's clone:

* tests marked ``shared`` read ``../shared`` (the clinical fact sheet, the seed brief, the Bot
  API spec). In a user's clone it is absent and they skip with a reason; CI sets
  ``REMODEL_REQUIRE_SHARED=1`` and then a missing ``../shared`` is an error, not a skip.
* tests marked ``postgres`` need ``REMODEL_TEST_POSTGRES_URL``; CI sets it and fails if
  any of them was skipped (``REMODEL_REQUIRE_POSTGRES=1`` turns the skip into a failure;
  see ``.ci/run``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ``shared/`` folder beside the repository, or a skip when it is absent."""
    if SHARED_DIR.is_dir():
        return SHARED_DIR
    if os.environ.get("REMODEL_REQUIRE_SHARED") == "1":
        pytest.fail(f"REMODEL_REQUIRE_SHARED=1 but {SHARED_DIR} does not exist")
    pytest.skip(f"{SHARED_DIR} is absent (it sits beside the repo only in development and CI)")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The PostgreSQL URL for storage tests, or a skip when none is configured."""
    url = os.environ.get("REMODEL_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("REMODEL_REQUIRE_POSTGRES") == "1":
            pytest.fail("REMODEL_REQUIRE_POSTGRES=1 but REMODEL_TEST_POSTGRES_URL is not set")
        pytest.skip("REMODEL_TEST_POSTGRES_URL is not set (CI sets it; see README)")
    return url
