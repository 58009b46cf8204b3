"""``remodel`` as an operator meets it: exit codes, messages naming the key, no tracebacks.

Configuration errors are checked in a subprocess (the real console entry point, a clean
environment, an empty working directory) because what matters is what the terminal shows.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from bot import cli
from bot.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SECRET_ENV = ("TELEGRAM_BOT_TOKEN", "REMODEL_WEBHOOK_SECRET")


def clean_env(**extra: str) -> dict[str, str]:
    """The current environment without any Remodel or Telegram variable, plus ``extra``."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("REMODEL_") and k not in SECRET_ENV
    }
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def remodel(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_missing_token_names_the_key_and_the_fix(tmp_path: Path) -> None:
    result = remodel("run", cwd=tmp_path)
    assert result.returncode == 2
    assert "telegram.token" in result.stderr
    assert "TELEGRAM_BOT_TOKEN" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_bad_value_in_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("[schedule]\ntick_seconds = -1\n")
    result = remodel("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 2
    assert "schedule.tick_seconds" in result.stderr
    assert "config.toml" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_value_from_the_environment(tmp_path: Path) -> None:
    result = remodel("db", "upgrade", cwd=tmp_path, env=clean_env(REMODEL_LOG_LEVEL="LOUD"))
    assert result.returncode == 2
    assert "logging.level" in result.stderr
    assert "REMODEL_LOG_LEVEL" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_token_is_not_echoed(tmp_path: Path) -> None:
    bad = "not a token with spaces"
    result = remodel("run", cwd=tmp_path, env=clean_env(TELEGRAM_BOT_TOKEN=bad))
    assert result.returncode == 2
    assert "telegram.token" in result.stderr
    assert bad not in result.stderr + result.stdout


def test_unknown_key_and_missing_config_file(tmp_path: Path) -> None:
    (tmp_path / "typo.toml").write_text("[telegram]\ntokn = 'x'\n")
    result = remodel("--config", "typo.toml", "db", "upgrade", cwd=tmp_path)
    assert result.returncode == 2
    assert "telegram.tokn" in result.stderr
    missing = remodel("--config", "absent.toml", "db", "upgrade", cwd=tmp_path)
    assert missing.returncode == 2
    assert "absent.toml does not exist" in missing.stderr
    assert "Traceback" not in result.stderr + missing.stderr


def test_webhook_needs_a_public_url(tmp_path: Path) -> None:
    env = clean_env(TELEGRAM_BOT_TOKEN="123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    result = remodel("run", "--webhook", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "webhook.public_url" in result.stderr
    assert "--public-url" in result.stderr
    assert "AAAAAAAAAAAAAAAAAAAA" not in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_reported_without_traceback(tmp_path: Path) -> None:
    env = clean_env(REMODEL_DATABASE_URL=f"sqlite:///{tmp_path}/no/such/dir/x.db")
    result = remodel("db", "upgrade", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "database.url" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    result = remodel("frobnicate", cwd=tmp_path)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_db_upgrade_is_idempotent(tmp_path: Path) -> None:
    env = clean_env(REMODEL_DATABASE_URL=f"sqlite:///{tmp_path / 'r.db'}")
    first = remodel("db", "upgrade", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert "database at revision" in first.stdout
    second = remodel("db", "upgrade", cwd=tmp_path, env=env)
    assert second.returncode == 0, second.stderr
    assert first.stdout == second.stdout
    assert (tmp_path / "r.db").is_file()


def test_db_upgrade_uses_the_embedded_default(tmp_path: Path) -> None:
    result = remodel("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "remodel.db").is_file()


def test_content_check_ok_with_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["content", "check"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: ")
    assert "exercises" in out
    assert "education snippets" in out


def test_content_check_names_file_entry_and_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "content"
    shutil.copytree(cli.installed_content_dir(), broken, ignore=shutil.ignore_patterns("*.py"))
    exercises = broken / "en" / "exercises.yaml"
    text = exercises.read_text(encoding="utf-8")
    assert "category:" in text
    exercises.write_text(text.replace("category:", "category: nonsense\n    x_category:", 1))
    assert cli.main(["content", "check", "--content", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "exercises.yaml" in err
    assert "exercises[0]" in err


def test_content_check_of_a_missing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["content", "check", "--content", str(tmp_path / "none")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_simulate_delegates_to_the_simulator(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[tuple[list[str], Path]] = []

    def fake_main(argv: list[str], library_root: Path) -> int:
        calls.append((argv, library_root))
        return 7

    fake = types.ModuleType("flows.simulator")
    fake.main = fake_main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "flows.simulator", fake)
    monkeypatch.chdir(tmp_path)
    for var in ("REMODEL_CONTENT_PATH",):
        monkeypatch.delenv(var, raising=False)
    assert cli.main(["simulate", "athlete.yaml", "--json"]) == 7
    assert cli.main(["simulate", "athlete.yaml"]) == 7
    root = cli.installed_content_dir()
    assert (root / "sources.yaml").is_file()
    assert calls == [(["athlete.yaml", "--json"], root), (["athlete.yaml"], root)]


def test_parser_documents_every_command() -> None:
    parser = cli.build_parser()
    help_text = parser.format_help()
    for command in ("run", "chat", "db", "simulate", "content"):
        assert command in help_text
    args = parser.parse_args(["run", "--webhook", "--listen", "127.0.0.1", "--port", "9000"])
    assert (args.webhook, args.listen, args.port) == (True, "127.0.0.1", 9000)
    args = parser.parse_args(["chat", "--db", "x.db", "--zone", "Europe/Paris"])
    assert (args.db, args.zone) == (Path("x.db"), "Europe/Paris")


def test_run_options_from_settings_and_flags() -> None:
    from bot.config import Settings
    from bot.run_mode import RunOptions

    assert RunOptions.from_settings(Settings()).webhook is False
    configured = Settings.model_validate(
        {"webhook": {"public_url": "https://bot.example.org/tg", "secret_token": "abc_DEF-1"}}
    )
    options = RunOptions.from_settings(configured, port=9000)
    assert options.webhook
    assert (options.listen, options.port) == ("0.0.0.0", 9000)
    assert options.public_url == "https://bot.example.org/tg"
    assert options.secret_token == "abc_DEF-1"
    assert "abc_DEF-1" not in repr(options)
    # No secret, no webhook: several workers inventing their own would lock each other out.
    with pytest.raises(ConfigError, match="REMODEL_WEBHOOK_SECRET"):
        RunOptions.from_settings(
            Settings(), webhook=True, public_url="https://h.example/x", listen="127.0.0.1"
        )
    # Roles and --no-migrate; --ticker-only never opens a webhook.
    split = RunOptions.from_settings(configured, role="updates", migrate=False, ops_port=9100)
    assert (split.webhook, split.role, split.migrate, split.ops_port) == (
        True,
        "updates",
        False,
        9100,
    )
    ticker = RunOptions.from_settings(configured, role="ticker")
    assert (ticker.webhook, ticker.role) == (False, "ticker")
    assert "ticker only" in repr(ticker)
    with pytest.raises(ConfigError, match="--ops-port"):
        RunOptions.from_settings(Settings(), ops_port=70000)


def test_setup_logging_redacts_secrets() -> None:
    import io
    import logging

    stream = io.StringIO()
    token = "7212345678:" + "AAFq3xTt0kLmnOpQrStUvWxYz" + "0123456789ab"  # made up
    cli.setup_logging(logging.DEBUG, [token], stream=stream)
    try:
        logging.getLogger("httpx").info("POST https://api.telegram.org/bot%s/getMe", token)
        try:
            raise RuntimeError(f"failed at /bot{token}/sendMessage")
        except RuntimeError:
            logging.getLogger("x").exception("boom")
    finally:
        logging.getLogger().handlers.clear()
    text = stream.getvalue()
    assert "getMe" in text
    assert "boom" in text
    assert token not in text
    assert token.split(":")[1] not in text
