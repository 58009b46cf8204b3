"""Typed settings: an optional TOML file, environment overrides, defaults.

Precedence, highest first: environment variables, the TOML file, built-in defaults. The file is
``--config PATH`` when given (it must exist) or ``./config.toml`` when present; running with no
file at all is fine. Every problem surfaces as a :class:`ConfigError` whose message names the key,
where the bad value came from and how to fix it, so the CLI can print it without a traceback.

Secrets (the bot token, the webhook secret) are ``SecretStr``: their ``repr`` and ``str`` are
redacted, and code must call :meth:`Settings.require_token` to see the token.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

__all__ = [
    "DEFAULT_CONFIG_FILE",
    "ENV_OVERRIDES",
    "ConfigError",
    "ContentSettings",
    "DatabaseSettings",
    "LoggingSettings",
    "ScheduleSettings",
    "SendingSettings",
    "Settings",
    "TelegramSettings",
    "WebhookSettings",
    "load_settings",
    "normalize_database_url",
]

DEFAULT_CONFIG_FILE: Final = Path("config.toml")
DEFAULT_TELEGRAM_BASE_URL: Final = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL: Final = "sqlite+aiosqlite:///./remodel.db"

#: Environment variable -> dotted settings key. Documented in ``config.example.toml``.
ENV_OVERRIDES: Final[Mapping[str, str]] = {
    "TELEGRAM_BOT_TOKEN": "telegram.token",
    "REMODEL_TELEGRAM_BASE_URL": "telegram.base_url",
    "REMODEL_DATABASE_URL": "database.url",
    "REMODEL_WEBHOOK_URL": "webhook.public_url",
    "REMODEL_WEBHOOK_SECRET": "webhook.secret_token",
    "REMODEL_CONTENT_PATH": "content.path",
    "REMODEL_LOG_LEVEL": "logging.level",
    "REMODEL_LOG_FORMAT": "logging.format",
    "REMODEL_SENTRY_DSN": "logging.sentry_dsn",
}

_WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """A configuration problem, with a message fit to show a user as is (no traceback)."""


class _Section(BaseModel):
    # Unknown keys are errors: a typo must not silently fall back to a default.
    model_config = ConfigDict(extra="forbid", frozen=True)


class TelegramSettings(_Section):
    """``[telegram]``: how to reach the Bot API."""

    token: SecretStr | None = None
    base_url: str = DEFAULT_TELEGRAM_BASE_URL

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # The message must not quote the value: it is a secret.
        if value is not None:
            raw = value.get_secret_value().strip()
            if not raw or any(c.isspace() for c in raw) or ":" not in raw:
                raise ValueError("does not look like a bot token ('<digits>:<secret>')")
            return SecretStr(raw)
        return None


def normalize_database_url(url: str) -> str:
    """Return ``url`` with the async driver SQLAlchemy needs (aiosqlite / asyncpg).

    ``sqlite:///x.db`` and ``postgresql://`` / ``postgres://`` are accepted for convenience.
    Anything else raises ``ValueError``.
    """
    for prefix, replacement in (
        ("sqlite+aiosqlite://", "sqlite+aiosqlite://"),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("postgresql+asyncpg://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
    ):
        if url.startswith(prefix):
            return replacement + url[len(prefix) :]
    raise ValueError("must be a sqlite+aiosqlite:// or postgresql+asyncpg:// URL")


class DatabaseSettings(_Section):
    """``[database]``: where the single source of truth lives."""

    url: str = DEFAULT_DATABASE_URL

    @field_validator("url")
    @classmethod
    def _driver(cls, value: str) -> str:
        return normalize_database_url(value)


class WebhookSettings(_Section):
    """``[webhook]``: webhook mode is on when ``public_url`` is set; polling otherwise."""

    listen: str = "0.0.0.0"
    port: int = Field(default=8443, ge=1, le=65535)
    public_url: str | None = None
    secret_token: SecretStr | None = None

    @property
    def enabled(self) -> bool:
        """Whether the bot should run a webhook server instead of long polling."""
        return self.public_url is not None

    @field_validator("public_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must be an https:// URL")
        return value

    @field_validator("secret_token")
    @classmethod
    def _secret_charset(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram allows 1-256 characters from A-Z, a-z, 0-9, _ and -.
        if value is not None:
            raw = value.get_secret_value()
            ok = 1 <= len(raw) <= 256 and all(c.isalnum() or c in "_-" for c in raw)
            if not ok or not raw.isascii():
                raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value


class ScheduleSettings(_Section):
    """``[schedule]``: the check-in ticker."""

    tick_seconds: float = Field(default=20.0, gt=0, le=3600)
    reminder_after_minutes: int = Field(default=90, ge=1)
    grace_minutes: int = Field(default=120, ge=0)
    batch_size: int = Field(default=200, ge=1, le=10_000)
    default_morning_time: time = time(7, 0)
    default_evening_time: time = time(20, 0)
    weekly_readiness_weekday: int = Field(default=6, ge=0, le=6)
    weekly_readiness_time: time = time(12, 0)
    #: Coach groups: the daily status at this athlete-local time; the weekly digest at the
    #: same time on ``coach_digest_weekday``.
    coach_status_time: time = time(21, 30)
    coach_digest_weekday: int = Field(default=6, ge=0, le=6)

    @field_validator("weekly_readiness_weekday", "coach_digest_weekday", mode="before")
    @classmethod
    def _weekday(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip().isdigit():
            name = value.strip().lower()
            if name not in _WEEKDAYS:
                raise ValueError(f"must be 0-6 (Monday=0) or one of {', '.join(_WEEKDAYS)}")
            return _WEEKDAYS.index(name)
        return value

    @field_validator(
        "default_morning_time",
        "default_evening_time",
        "weekly_readiness_time",
        "coach_status_time",
        mode="after",
    )
    @classmethod
    def _naive_wall_time(cls, value: time) -> time:
        # Local wall times are zone-free by definition; an offset here would be ambiguous.
        if value.tzinfo is not None:
            raise ValueError("must be a local time like 07:00, without an offset")
        return value


class SendingSettings(_Section):
    """``[sending]``: Telegram flood limits the pacer keeps under."""

    #: The most messages the bot sends in any one-second window (and, apart, the most other
    #: calls: edits, deletions).
    global_per_second: float = Field(default=30.0, gt=0)
    #: How many of them may go back to back after a pause, so that a reply does not queue
    #: behind another athlete's by a slot; the steady rate is then ``global_rate``.
    global_burst: int = Field(default=3, ge=1)
    per_chat_per_second: float = Field(default=1.0, gt=0)
    per_chat_burst: int = Field(default=3, ge=1)
    per_group_per_minute: float = Field(default=20.0, gt=0)
    concurrency: int = Field(default=32, ge=1, le=1000)

    @model_validator(mode="after")
    def _burst_within_the_window(self) -> SendingSettings:
        if self.global_burst > self.global_per_second:
            raise ValueError("global_burst must not exceed global_per_second")
        return self

    @property
    def global_rate(self) -> float:
        """The steady global rate, per second: a burst of ``global_burst`` then this rate
        put at most ``global_per_second`` sends in any one-second window (GCRA: the burst,
        then one every ``1 / rate`` s; ``burst + rate - 1`` of them start within 1 s)."""
        return self.global_per_second - self.global_burst + 1

    @property
    def global_tolerance(self) -> float:
        """GCRA's tolerance of the global buckets, seconds (``(burst - 1) / rate``)."""
        return (self.global_burst - 1) / self.global_rate


class PrivacySettings(_Section):
    """``[privacy]``: the athlete's rights (clinician links, erasure)."""

    #: Days a clinician invite link stays valid if nobody opens it.
    clinician_link_days: int = Field(default=7, ge=1, le=90)
    #: Minutes the "erase everything" confirmation button stays valid.
    delete_confirm_minutes: int = Field(default=10, ge=1, le=1440)


class RenderSettings(_Section):
    """``[render]``: where charts and PDF reports are drawn (never on the event loop).

    ``kind = "process"`` (the default) keeps rendering out of the bot's interpreter, so
    other athletes' answers keep their latency while a chart renders; ``"thread"`` avoids
    a worker process (tests, tiny deployments). ``workers`` render at once, ``queue`` more
    may wait."""

    kind: Literal["process", "thread"] = "process"
    workers: int = Field(default=1, ge=1, le=16)
    queue: int = Field(default=8, ge=0, le=1000)


class ContentSettings(_Section):
    """``[content]``: where texts and protocol data are read from."""

    path: Path | None = None
    language: str = Field(default="en", min_length=2, max_length=16)


class LoggingSettings(_Section):
    """``[logging]``."""

    level: str = "INFO"
    #: ``text`` (one line per event) or ``json`` (one object per line, for log collectors).
    format: Literal["text", "json"] = "text"
    #: Sentry DSN: send errors to Sentry, scrubbed like the logs (bot/observability.py).
    sentry_dsn: SecretStr | None = None
    #: An update that takes this long (milliseconds) is logged with where its time went
    #: (bot/update_timing.py); 0 turns it off.
    slow_update_ms: int = Field(default=1000, ge=0)

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        upper = value.strip().upper()
        if upper not in _LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(_LOG_LEVELS)}")
        return upper

    @property
    def level_number(self) -> int:
        """The numeric ``logging`` level."""
        return logging.getLevelNamesMapping()[self.level]


class Settings(_Section):
    """All settings. Build it with :func:`load_settings`."""

    telegram: TelegramSettings = TelegramSettings()
    database: DatabaseSettings = DatabaseSettings()
    webhook: WebhookSettings = WebhookSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    sending: SendingSettings = SendingSettings()
    privacy: PrivacySettings = PrivacySettings()
    render: RenderSettings = RenderSettings()
    content: ContentSettings = ContentSettings()
    logging: LoggingSettings = LoggingSettings()
    source: Path | None = Field(default=None, exclude=True)

    def require_token(self) -> str:
        """The bot token, or a :class:`ConfigError` telling how to provide it."""
        if self.telegram.token is None:
            raise ConfigError(
                "telegram.token is not set: export TELEGRAM_BOT_TOKEN=<token from @BotFather> "
                "(or set token under [telegram] in config.toml)"
            )
        return self.telegram.token.get_secret_value()


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def _apply_env(data: dict[str, Any], environ: Mapping[str, str]) -> dict[str, str]:
    """Write env overrides into ``data``; return dotted key -> env var name actually used."""
    used: dict[str, str] = {}
    for var, dotted in ENV_OVERRIDES.items():
        value = environ.get(var)
        if value is None or value == "":
            continue
        section, key = dotted.split(".")
        target = data.setdefault(section, {})
        if not isinstance(target, dict):
            raise ConfigError(f"[{section}] in the config file must be a table")
        target[key] = value
        used[dotted] = var
    return used


def _describe(exc: ValidationError, env_used: Mapping[str, str], path: Path | None) -> ConfigError:
    lines = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = [str(part) for part in error["loc"]]
        # Drop pydantic's internal tags (e.g. "function-after[...]") from the key path.
        loc = [part for part in loc if "[" not in part]
        dotted = ".".join(loc)
        if dotted in env_used:
            origin = f"environment variable {env_used[dotted]}"
            fix = f"fix or unset {env_used[dotted]}"
        elif path is not None:
            origin = f"config file {path}"
            if len(loc) >= 2:
                fix = f"fix '{loc[-1]}' under [{'.'.join(loc[:-1])}] in {path}"
            else:
                fix = f"fix '{dotted}' in {path} (see config.example.toml)"
        else:
            origin = "defaults"
            fix = "see config.example.toml"
        lines.append(f"{dotted or '<root>'}: {error['msg']} (from {origin}; {fix})")
    return ConfigError("invalid configuration:\n  " + "\n  ".join(lines))


def load_settings(
    config_path: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Load settings: env over ``config_path`` (or ``./config.toml`` if present) over defaults.

    Raises :class:`ConfigError` when an explicit file is missing or unreadable, when the file is
    not TOML, when a key is unknown, or when a value is invalid. The token is *not* required here;
    commands that need it call :meth:`Settings.require_token`.
    """
    env = os.environ if environ is None else environ
    path: Path | None
    if config_path is not None:
        path = Path(config_path)
        if not path.is_file():
            raise ConfigError(
                f"config file {path} does not exist (copy config.example.toml to start one)"
            )
    else:
        candidate = (cwd or Path.cwd()) / DEFAULT_CONFIG_FILE
        path = candidate if candidate.is_file() else None
    data = _read_toml(path) if path is not None else {}
    env_used = _apply_env(data, env)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        raise _describe(exc, env_used, path) from None
    return settings.model_copy(update={"source": path})
