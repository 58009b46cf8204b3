"""The typed context handlers receive: services through attributes, never string keys.

:func:`bot.app.build_application` registers :class:`RemodelContext` and :class:`BotData` with
``ContextTypes``; it stores one :class:`Services` in ``BotData.services``. A handler reads
``context.services.store``, ``context.services.clock`` and so on, with full typing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram.ext import CallbackContext, ExtBot

from bot.charts.pool import RenderPool
from bot.clock import Clock
from bot.config import Settings
from bot.rendering.texts import Texts
from bot.sending import Pacer
from bot.storage.dialogues import KeyboardMark
from bot.storage.engine import Store
from bot.storage.group_commit import GroupCommit
from flows.library import Library
from flows.library.schema import Questionnaire

if TYPE_CHECKING:
    from bot.receiving.ledger import UpdateLedger
    from bot.scheduling import AthleteLocks, Ticker


@dataclass(eq=False)
class Services:
    """Everything a handler or the ticker needs, built once by the composition root."""

    settings: Settings
    clock: Clock
    store: Store
    library: Library
    questionnaires: dict[str, Questionnaire]
    texts: Texts
    locks: AthleteLocks
    pacer: Pacer
    #: Which message shows each question on screen, written in shared transactions.
    keyboard_marks: GroupCommit[KeyboardMark]
    #: Where charts and reports render (off the event loop).
    render: RenderPool
    #: Which updates were handled (a copy delivered again is not handled twice).
    ledger: UpdateLedger | None = None
    ticker: Ticker | None = None
    run_ticker: bool = True


class BotData:
    """``application.bot_data``: holds the services (set once by ``build_application``)."""

    __slots__ = ("_services",)

    def __init__(self) -> None:
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError(
                "services are not wired: build the Application with build_application"
            )
        return self._services

    @services.setter
    def services(self, value: Services) -> None:
        self._services = value


class RemodelContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The callback context of every Remodel handler."""

    @property
    def services(self) -> Services:
        return self.bot_data.services
