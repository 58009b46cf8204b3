"""Settings: precedence (env > file > defaults), errors that name the key, redaction."""

from __future__ import annotations

import tomllib
from datetime import time
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings

REPO = Path(__file__).resolve().parents[2]
TOKEN = "123456789:" + "AAHk-very_secret-PART-0123456789abcdef"  # made up, token-shaped


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_file_or_env(tmp_path: Path) -> None:
    settings = load_settings(environ={}, cwd=tmp_path)
    assert settings.source is None
    assert settings.telegram.token is None
    assert settings.telegram.base_url == "https://api.telegram.org/bot"
    assert settings.database.url == "sqlite+aiosqlite:///./remodel.db"
    assert (settings.schedule.reminder_after_minutes, settings.schedule.grace_minutes) == (90, 120)
    assert (settings.sending.global_per_second, settings.sending.per_group_per_minute) == (30, 20)
    assert settings.sending.per_chat_per_second == 1
    assert not settings.webhook.enabled


def test_config_toml_in_cwd_is_picked_up(tmp_path: Path) -> None:
    write(tmp_path / "config.toml", "[schedule]\ngrace_minutes = 30\n")
    settings = load_settings(environ={}, cwd=tmp_path)
    assert settings.schedule.grace_minutes == 30
    assert settings.source == tmp_path / "config.toml"


def test_env_over_file_over_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path / "remodel.toml",
        '[database]\nurl = "sqlite:///file.db"\n'
        '[telegram]\nbase_url = "http://file:8081/bot"\n'
        "[schedule]\nreminder_after_minutes = 45\n",
    )
    settings = load_settings(
        path,
        environ={
            "REMODEL_DATABASE_URL": "postgresql://u@h/db",
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "REMODEL_WEBHOOK_SECRET": "s3cret_-",
            "REMODEL_LOG_LEVEL": "debug",
        },
    )
    assert settings.database.url == "postgresql+asyncpg://u@h/db"  # env wins
    assert settings.telegram.base_url == "http://file:8081/bot"  # file wins over default
    assert settings.schedule.reminder_after_minutes == 45
    assert settings.schedule.grace_minutes == 120  # default
    assert settings.require_token() == TOKEN
    assert settings.logging.level == "DEBUG"
    assert settings.webhook.secret_token is not None


def test_times_and_weekday_names(tmp_path: Path) -> None:
    path = write(
        tmp_path / "c.toml",
        '[schedule]\ndefault_morning_time = "06:45"\nweekly_readiness_weekday = "Monday"\n'
        "default_evening_time = 21:30:00\n",
    )
    schedule = load_settings(path, environ={}).schedule
    assert schedule.default_morning_time == time(6, 45)
    assert schedule.default_evening_time == time(21, 30)
    assert schedule.weekly_readiness_weekday == 0


def test_missing_token_names_the_variable(tmp_path: Path) -> None:
    settings = load_settings(environ={}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        settings.require_token()


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_bad_value_in_file_names_key_and_file(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[schedule]\ngrace_minutes = "soon"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ={})
    message = str(info.value)
    assert "schedule.grace_minutes" in message
    assert str(path) in message
    assert "under [schedule]" in message


def test_bad_env_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="REMODEL_DATABASE_URL") as info:
        load_settings(environ={"REMODEL_DATABASE_URL": "mysql://x"}, cwd=tmp_path)
    assert "database.url" in str(info.value)


def test_unknown_key_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "[schedule]\ngrace_minute = 5\n")
    with pytest.raises(ConfigError, match=r"schedule\.grace_minute"):
        load_settings(path, environ={})


def test_invalid_toml_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", "[schedule\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path, environ={})


def test_a_bad_token_is_reported_without_its_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(environ={"TELEGRAM_BOT_TOKEN": "not a token"}, cwd=tmp_path)
    assert "telegram.token" in str(info.value)
    assert "not a token" not in str(info.value)


def test_secrets_are_redacted_everywhere(tmp_path: Path) -> None:
    settings = load_settings(
        environ={"TELEGRAM_BOT_TOKEN": TOKEN, "REMODEL_WEBHOOK_SECRET": "hush-hush"},
        cwd=tmp_path,
    )
    for text in (
        repr(settings),
        str(settings),
        settings.model_dump_json(),
        repr(settings.telegram),
    ):
        assert TOKEN not in text
        assert "hush-hush" not in text


def test_example_config_is_valid_and_documents_every_key() -> None:
    example = REPO / "config.example.toml"
    settings = load_settings(example, environ={})
    # The example shows the defaults.
    assert settings == Settings().model_copy(update={"source": example})
    text = example.read_text(encoding="utf-8")
    documented = tomllib.loads(text)
    for section_name, section in Settings.model_fields.items():
        if section_name == "source":
            continue
        assert f"[{section_name}]" in text
        model = section.annotation
        assert model is not None
        for key in model.model_fields:  # type: ignore[union-attr]
            assert key in documented.get(section_name, {}) or f"# {key} =" in text, (
                f"{section_name}.{key} is not documented in config.example.toml"
            )
