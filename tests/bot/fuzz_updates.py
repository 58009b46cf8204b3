"""Fuzzing the bot with updates: hypothesis strategies, a world of users, and the oracle.

Shared by ``tests/bot/test_fuzz_updates.py`` (a short run in the suite) and
``bench/fuzz.py`` (≥ 10,000 updates). Everything goes through the real stack: the sandbox
delivers each update over HTTP to the running Application, on a real database.

After each update the same user sends a *fence* (``/help``) in their private chat; updates
of one user are processed in order (``bot.handlers.ordering``), so once the fence is
answered everything the update caused is visible. The oracle then classifies what the user
got (docs/bot.md, "What every update gets"):

* ``message`` – at least one new bot message in the chat;
* ``toast``   – a press answered with a text (toast or alert);
* ``edit``    – a press that changed the pressed message (its keyboard or text);
* ``silence`` – none of these (only where documented);
* ``not delivered`` – Telegram never sends it to this bot (``allowed_updates``, privacy mode).

and fails on an error logged by a handler, a request the sandbox refused (4xx), or an
outcome the documentation does not allow for that kind of update.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from sandbox.driver import BotMessage, ChatDriver, SandboxDriver, SandboxError, UserMessage

__all__ = [
    "ALLOWED_OUTCOMES",
    "Action",
    "ErrorLog",
    "FuzzWorld",
    "actions",
]

#: Who acts: a user who never wrote, one in the middle of onboarding, one onboarded with a
#: check-in open.
ROLES = ("fresh", "onboarding", "athlete")

COMMANDS = (
    "/start",
    "/today",
    "/checkin",
    "/symptom",
    "/learn",
    "/progress",
    "/pause",
    "/resume",
    "/timezone",
    "/settings",
    "/clearance",
    "/coach",
    "/support",
    "/stop",
)

#: Text people type, and text that has broken parsers elsewhere.
TEXT_SAMPLES = (
    "6.5",
    "7",
    "0",
    "10",
    "11",
    "-1",
    "1e9",
    "²",
    "①",
    "٣",
    "7½",
    "NaN",
    "yes",
    "no",
    "  ",
    "20:00",
    "25:61",
    "7:30pm",
    "my shin hurts and I'm limping",
    "<b>x</b>",
    "&amp;",
    "😀",
    "\u202e",
    "x" * 4096,
)

MEDIA = ("photo", "sticker", "voice", "document", "location", "contact", "video_note")
UNKNOWN_KINDS = ("message_reaction", "chat_boost", "business_message", "purchased_paid_media")


@dataclass(frozen=True)
class Action:
    """One update to deliver: ``kind`` and its arguments (all plain data, for shrinking)."""

    kind: str
    role: str
    text: str = ""
    data: str = ""
    pick: int = 0

    def __str__(self) -> str:
        detail = self.text[:30] or self.data[:30]
        return f"{self.kind}[{self.role}]({detail!r})"


_role = st.sampled_from(ROLES)
_free_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60
).filter(lambda t: bool(t.strip()))
_text = st.one_of(st.sampled_from(TEXT_SAMPLES).filter(lambda t: bool(t.strip())), _free_text)
_command = st.one_of(
    st.sampled_from(COMMANDS),
    st.builds(lambda c, a: f"{c} {a}", st.sampled_from(COMMANDS), _free_text),
    st.from_regex(r"\A/[a-z_]{1,12}\Z"),
)
_forged_data = st.one_of(
    st.text(min_size=1, max_size=64).filter(lambda d: len(d.encode()) <= 64),
    st.builds(
        lambda n, q, t: f"v1:a:{n}:{q}:{t}",
        st.text(alphabet="0123456789abcdef", min_size=0, max_size=10),
        st.integers(-2, 40),
        st.sampled_from(["0", "5", "10", "11", "y", "n", "skip", "x", "-1", "99"]),
    ),
    st.builds(
        lambda k, a: f"v1:{k}:{a}",
        st.sampled_from(["l", "s", "x", "c", "z"]),
        st.text(alphabet="abcdefghij0123456789:_-", max_size=20),
    ),
)


def actions() -> st.SearchStrategy[Action]:
    """One fuzz update of any kind."""
    return st.one_of(
        st.builds(Action, kind=st.just("text"), role=_role, text=_text),
        st.builds(Action, kind=st.just("command"), role=_role, text=_command),
        st.builds(Action, kind=st.just("press"), role=_role, pick=st.integers(0, 1000)),
        st.builds(
            Action,
            kind=st.just("forged_press"),
            role=_role,
            data=_forged_data,
            pick=st.integers(0, 1000),
        ),
        st.builds(Action, kind=st.just("other_user_press"), role=_role, pick=st.integers(0, 1000)),
        st.builds(Action, kind=st.just("media"), role=_role, data=st.sampled_from(MEDIA)),
        st.builds(Action, kind=st.just("future_content"), role=_role, data=st.just("story2")),
        st.builds(Action, kind=st.just("edited"), role=_role, text=_text),
        st.builds(Action, kind=st.just("group_text"), role=_role, text=_text),
        st.builds(Action, kind=st.just("group_command"), role=_role, text=_command),
        st.builds(
            Action, kind=st.just("unknown_kind"), role=_role, data=st.sampled_from(UNKNOWN_KINDS)
        ),
        st.builds(Action, kind=st.just("unreadable"), role=_role),
    )


#: What docs/bot.md ("What every update gets") allows for each kind of update.
ALLOWED_OUTCOMES: dict[str, frozenset[str]] = {
    "text": frozenset({"message"}),
    "command": frozenset({"message"}),
    "media": frozenset({"message"}),
    "future_content": frozenset({"message"}),
    # A press is answered: a toast, the pressed message edited, or a new message.
    "press": frozenset({"toast", "edit", "message"}),
    "forged_press": frozenset({"toast", "edit", "message"}),
    "other_user_press": frozenset({"toast"}),
    # Never sent to the bot: edits and unknown kinds are not in allowed_updates; group
    # chatter is not addressed to the bot (privacy mode).
    "edited": frozenset({"not delivered"}),
    "unknown_kind": frozenset({"not delivered"}),
    "group_text": frozenset({"not delivered"}),
    # Athlete commands in a group: documented silence (nothing leaks into a group); /start
    # without a link token gets the group help.
    "group_command": frozenset({"silence", "message"}),
    # Logged by id and kind, acknowledged, not answered (bot.receiving).
    "unreadable": frozenset({"silence"}),
}


class ErrorLog(logging.Handler):
    """Collects records at ERROR and above (a handler's unhandled exception among them)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Skipping an unreadable update is logged at ERROR on purpose: expected here.
        if record.name == "bot.receiving.updates":
            return
        if record.name == "tornado.access":
            return  # the sandbox's own access log (its 4xx are counted from its stats)
        self.records.append(record)


@dataclass
class Result:
    action: Action
    outcome: str
    ok: bool
    detail: str = ""


@dataclass
class FuzzWorld:
    """Users in known states, a coach-less group, and the oracle."""

    sandbox: SandboxDriver
    check_refusals: bool = True
    chats: dict[str, ChatDriver] = field(default_factory=dict)
    _seen: dict[int, int] = field(default_factory=dict)
    stranger: ChatDriver | None = None
    group_id: int = 0
    help_text: dict[str, str] = field(default_factory=dict)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[Result] = field(default_factory=list)
    _raw_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(900_000))

    async def setup(self, onboard: Any) -> None:
        """``onboard(name) -> ChatDriver`` completes onboarding (the harness's helper)."""
        fresh = await self.sandbox.create_user("Fay")
        self.chats["fresh"] = self.sandbox.chat(fresh.id)
        midway = await self.sandbox.create_user("Mo")
        chat = self.sandbox.chat(midway.id)
        await chat.send("/start")
        await chat.expect("Remodel", timeout=15)
        await chat.expect("Is that OK with you?", timeout=15)
        await chat.press("Yes")
        await chat.expect("Where is your bone stress injury?", timeout=15)
        self.chats["onboarding"] = chat
        athlete = await onboard("Ann")
        await athlete.send("/checkin")
        await athlete.next_message(timeout=15)
        self.chats["athlete"] = athlete
        stranger = await self.sandbox.create_user("Eve")
        self.stranger = self.sandbox.chat(stranger.id)
        self.group_id = await self.sandbox.create_group(
            "Team", [fresh.id, midway.id, self.chats["athlete"].user_id]
        )
        await self.sandbox.add_bot_to_group(self.group_id, fresh.id)
        for role, chat in self.chats.items():
            await self._settle(chat)
            await chat.send("/help")
            self.help_text[role] = (await chat.next_message(timeout=15)).text
        await asyncio.sleep(0.2)
        self._refused = (await self.sandbox.request("GET", "stats"))["answered_4xx"]

    async def _settle(self, chat: ChatDriver) -> None:
        while True:
            try:
                await chat.next_message(timeout=0.3)
            except AssertionError:
                return

    async def _entries_after(
        self, chat: ChatDriver, after: int, wait: float = 0.0
    ) -> list[BotMessage | UserMessage]:
        entries = await self.sandbox.request(
            "GET",
            f"chats/{chat.chat_id}/messages",
            params={"after_message_id": after, "wait": wait},
        )
        return [
            BotMessage.from_entry(e) if e["side"] == "bot" else UserMessage.from_entry(e)
            for e in entries
        ]

    async def _last_id(self, chat: ChatDriver) -> int:
        seen = self._seen.get(chat.chat_id, 0)
        for message in await self._entries_after(chat, seen):
            seen = max(seen, message.message_id)
        self._seen[chat.chat_id] = seen
        return seen

    async def _bot_messages(self, chat: ChatDriver) -> list[BotMessage]:
        return [m for m in await chat.transcript() if isinstance(m, BotMessage)]

    async def _pressable(self, chat: ChatDriver, pick: int) -> tuple[int, str] | None:
        buttons = [
            (m.message_id, b.callback_data)
            for m in await self._bot_messages(chat)
            for row in m.buttons
            for b in row
            if b.callback_data is not None
        ]
        if not buttons:
            return None
        return buttons[pick % len(buttons)]

    async def _any_message_id(self, chat: ChatDriver, pick: int) -> int | None:
        ids = [m.message_id for m in await self._bot_messages(chat)]
        return ids[pick % len(ids)] if ids else None

    def _raw_message(self, chat: ChatDriver, **content: Any) -> dict[str, Any]:
        user = {"id": chat.user_id, "is_bot": False, "first_name": "Fuzz"}
        return {
            "message_id": next(self._raw_ids),
            "date": 1_770_000_000,
            "chat": {"id": chat.chat_id, "type": "private", "first_name": "Fuzz"},
            "from": user,
            **content,
        }

    async def apply(self, action: Action) -> Result:
        """Deliver ``action``, fence, classify, record; never raises for a bot defect."""
        chat = self.chats[action.role]
        before = await self._last_id(chat)
        before_bot: dict[int, BotMessage] = {}
        callback_id: str | None = None
        pressed: int | None = None
        delivered = True
        kind = action.kind
        try:
            if kind in ("text", "command"):
                text = action.text
                await chat.send(text if kind == "command" else text[:4096])
            elif kind == "press":
                target = await self._pressable(chat, action.pick)
                if target is None:
                    kind = "press"
                    self.counts[(kind, "skipped: no button")] += 1
                    return Result(action, "skipped", True)
                pressed = target[0]
                before_bot = await self._snapshot(chat, pressed)
                callback_id = await chat.press_data(*target)
            elif kind in ("forged_press", "other_user_press"):
                message_id = await self._any_message_id(chat, action.pick)
                if message_id is None:
                    self.counts[(kind, "skipped: no message")] += 1
                    return Result(action, "skipped", True)
                pressed = message_id
                before_bot = await self._snapshot(chat, pressed)
                if kind == "forged_press":
                    callback_id = await chat.press_data(message_id, action.data, forged=True)
                else:
                    assert self.stranger is not None
                    target = await self._pressable(chat, action.pick)
                    data = target[1] if target is not None else "v1:a:0:0:0"
                    forged = ChatDriver(self.sandbox, self.stranger.user_id, chat.chat_id)
                    callback_id = await forged.press_data(message_id, data, forged=True)
            elif kind == "media":
                content: dict[str, Any] = {
                    "photo": {
                        "photo": [
                            {"file_id": "f1", "file_unique_id": "u1", "width": 9, "height": 9}
                        ]
                    },
                    "sticker": {
                        "sticker": {
                            "file_id": "s1",
                            "file_unique_id": "s1",
                            "type": "regular",
                            "width": 9,
                            "height": 9,
                            "is_animated": False,
                            "is_video": False,
                        }
                    },
                    "voice": {"voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 2}},
                    "document": {"document": {"file_id": "d1", "file_unique_id": "d1"}},
                    "location": {"location": {"latitude": 51.5, "longitude": -0.1}},
                    "contact": {"contact": {"phone_number": "+10000000", "first_name": "X"}},
                    "video_note": {
                        "video_note": {
                            "file_id": "n1",
                            "file_unique_id": "n1",
                            "length": 9,
                            "duration": 1,
                        }
                    },
                }[action.data]
                await self.sandbox.inject_update({"message": self._raw_message(chat, **content)})
            elif kind == "future_content":
                raw = self._raw_message(chat, **{action.data: {"id": 1, "novel": True}})
                await self.sandbox.inject_update({"message": raw})
            elif kind == "edited":
                raw = self._raw_message(chat, text=action.text, edit_date=1_770_000_001)
                delivered = await self.sandbox.inject_update({"edited_message": raw}) is not None
            elif kind == "unknown_kind":
                payload = {"chat": {"id": chat.chat_id, "type": "private"}, "date": 1}
                delivered = await self.sandbox.inject_update({action.data: payload}) is not None
            elif kind == "group_text":
                text = action.text[:4096]
                if text.startswith("/"):
                    text = "." + text[:4095]
                await self.sandbox.request(
                    "POST",
                    "messages",
                    json={"chat_id": self.group_id, "from_user_id": chat.user_id, "text": text},
                )
                delivered = False  # privacy mode: not a command, not a reply to the bot
            elif kind == "group_command":
                await self.sandbox.request(
                    "POST",
                    "messages",
                    json={
                        "chat_id": self.group_id,
                        "from_user_id": chat.user_id,
                        "text": action.text,
                    },
                )
            elif kind == "unreadable":
                raw = self._raw_message(chat, poll={"id": "p", "options": [{"text": "a"}]})
                await self.sandbox.inject_update({"message": raw})
            else:  # pragma: no cover - a strategy without a branch
                raise AssertionError(kind)
        except SandboxError as exc:
            # The sandbox refused what the *user* did (e.g. a blank text): not a bot defect.
            self.counts[(kind, f"refused input {exc.code}")] += 1
            return Result(action, "refused input", True)
        await self._fence(action.role, chat)
        outcome = await self._classify(
            chat, kind, before, before_bot, callback_id, pressed, delivered
        )
        refused = 0
        if self.check_refusals:  # exact only when this world is alone on its sandbox
            refused = (await self.sandbox.request("GET", "stats"))["answered_4xx"] - self._refused
            self._refused += refused
        ok = outcome in ALLOWED_OUTCOMES[kind] and not refused
        if refused:
            self.counts[(kind, "REFUSED REQUEST")] += refused
        result = Result(action, outcome, ok)
        self.counts[(kind, outcome)] += 1
        if not ok:
            self.failures.append(result)
        return result

    async def _fence(self, role: str, chat: ChatDriver) -> None:
        """Wait until the user's earlier updates are processed (their /help is answered)."""
        fence = await chat.send("/help")
        expected = self.help_text[role]
        after = fence
        for _ in range(100):
            for m in await self._entries_after(chat, after, wait=2.0):
                after = max(after, m.message_id)
                if isinstance(m, BotMessage) and m.text == expected:
                    return
        raise AssertionError(f"the fence in {role}'s chat was never answered")

    async def _snapshot(self, chat: ChatDriver, message_id: int) -> dict[int, BotMessage]:
        message = await chat.message(message_id)
        return {message_id: message} if isinstance(message, BotMessage) else {}

    async def _classify(
        self,
        chat: ChatDriver,
        kind: str,
        before: int,
        before_bot: dict[int, BotMessage],
        callback_id: str | None,
        pressed: int | None,
        delivered: bool,
    ) -> str:
        if not delivered:
            return "not delivered"
        help_text = next(t for r, t in self.help_text.items() if self.chats[r] is chat)
        new = [m for m in await self._entries_after(chat, before) if isinstance(m, BotMessage)]
        self._seen[chat.chat_id] = max([before, *(m.message_id for m in new)])
        # The fence's own answer is the last help text; anything else new answers the update.
        fence_reply = max((m.message_id for m in new if m.text == help_text), default=None)
        answers = [m for m in new if m.message_id != fence_reply]
        if kind == "group_command":
            group = ChatDriver(self.sandbox, chat.user_id, self.group_id)
            answers = [
                m
                for m in await self._entries_after(group, self._group_seen)
                if isinstance(m, BotMessage)
            ]
            self._group_seen = max([self._group_seen, *(m.message_id for m in answers)])
        if callback_id is not None:
            state = await chat.callback_answer(callback_id)
            if state.get("text"):
                return "toast"
            if answers:
                return "message"
            if pressed is not None:
                old = before_bot.get(pressed)
                now = (await self._snapshot(chat, pressed)).get(pressed)
                if (
                    old is not None
                    and now is not None
                    and (old.text != now.text or old.buttons != now.buttons)
                ):
                    return "edit"
            return "silence"
        return "message" if answers else "silence"

    _group_seen: int = 0
    _refused: int = 0

    def report(self) -> str:
        """The counts, one line per (kind, outcome)."""
        lines = [
            f"{kind:18} {outcome:22} {n:6}" for (kind, outcome), n in sorted(self.counts.items())
        ]
        return "\n".join(lines)
