"""Creating users: ``started`` (they opened the chat in an earlier session) and ``id``
(recreating a known user, e.g. when a stored try-out is resumed)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from telegram import Bot
from telegram.error import Forbidden

from sandbox.driver import SandboxDriver, SandboxError
from sandbox.server import SandboxServer


@pytest.fixture
async def bot(sandbox_server: SandboxServer) -> AsyncIterator[Bot]:
    async with Bot(sandbox_server.token, base_url=sandbox_server.bot_api_base) as ptb_bot:
        yield ptb_bot


def _listed(users: list[dict[str, Any]], user_id: int) -> dict[str, Any]:
    return next(u for u in users if u["id"] == user_id)


async def test_only_a_started_user_can_be_written_to_first(bot: Bot, driver: SandboxDriver) -> None:
    stranger = await driver.create_user("Stranger")
    known = await driver.create_user("Known", started=True)
    users = await driver.request("GET", "users")
    assert _listed(users, stranger.id)["started"] is False
    assert _listed(users, known.id)["started"] is True
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(stranger.id, "hello")
    await bot.send_message(known.id, "welcome back")
    await driver.chat(known.id).expect("welcome back")


async def test_a_known_user_is_recreated_under_their_id(bot: Bot, driver: SandboxDriver) -> None:
    back = await driver.create_user("Back", started=True, user_id=424242)
    assert back.id == 424242
    await bot.send_message(back.id, "resumed")
    await driver.chat(back.id).expect("resumed")


async def test_an_id_clash_is_refused(sandbox_server: SandboxServer, driver: SandboxDriver) -> None:
    first = await driver.create_user("First")  # the sandbox picks 100000001
    with pytest.raises(SandboxError) as refused:
        await driver.create_user("Clash", user_id=first.id)
    assert refused.value.code == 409
    assert refused.value.description == f"Conflict: user {first.id} already exists"
    async with httpx.AsyncClient(trust_env=False) as client:
        response = await client.post(
            f"{sandbox_server.url}/sandbox/users", json={"first_name": "Clash", "id": first.id}
        )
    assert response.status_code == 409
    assert response.json() == {
        "ok": False,
        "error_code": 409,
        "description": f"Conflict: user {first.id} already exists",
    }
    assert [u["first_name"] for u in await driver.request("GET", "users")] == ["First"]
    # An id given explicitly is never handed out by the sandbox afterwards.
    taken = await driver.create_user("Taken", user_id=first.id + 1)
    picked = await driver.create_user("Picked")
    assert picked.id not in {first.id, taken.id}


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("id", 0, "id must be a positive integer"),
        ("id", -5, "id must be a positive integer"),
        ("id", "x", "id must be an integer"),
        ("id", True, "id must be an integer"),
        ("started", "yes", "started must be true or false"),
    ],
)
async def test_invalid_fields_are_refused(
    driver: SandboxDriver, field: str, value: object, error: str
) -> None:
    with pytest.raises(SandboxError) as refused:
        await driver.request("POST", "users", json={"first_name": "Bad", field: value})
    assert (refused.value.code, refused.value.description) == (400, error)
