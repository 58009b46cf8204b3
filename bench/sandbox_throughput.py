"""How many sendMessage requests per second the sandbox serves on loopback (limits off).

Starts ``python -m sandbox`` in a subprocess on a free loopback port, creates a user who
started the bot, then sends a bounded number of sendMessage requests over several
keep-alive HTTP/1.1 connections from a minimal asyncio client (so that the client costs
little next to the server) and prints the rate. Loopback only; no assertions.

    .venv/bin/python bench/sandbox_throughput.py [--requests 20000] [--connections 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import urllib.parse
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "sandbox:TEST-TOKEN-not-secret"


async def _worker(port: int, path: str, body: bytes, count: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    try:
        for _ in range(count):
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = head.split(b" ", 2)[1]
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            payload = await reader.readexactly(length)
            if status != b"200":
                raise RuntimeError(f"unexpected answer {status!r}: {payload[:200]!r}")
    finally:
        writer.close()


async def run(requests: int, connections: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sandbox",
        "--port",
        "0",
        "--quiet",
        stdout=asyncio.subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        first = await proc.stdout.readline()  # "sandbox listening on http://127.0.0.1:PORT"
        url = first.decode().strip().rsplit(" ", 1)[-1]
        port = int(url.rsplit(":", 1)[1])
        async with httpx.AsyncClient(base_url=url, trust_env=False) as client:
            user = (await client.post("/sandbox/users", json={"first_name": "Bench"})).json()
            user_id = user["result"]["id"]
            await client.post(f"/sandbox/users/{user_id}/start", json={})
        body = urllib.parse.urlencode(
            {"chat_id": str(user_id), "text": "Day 3: <b>walk</b> 20 min", "parse_mode": "HTML"}
        ).encode()
        per_connection = requests // connections
        total = per_connection * connections
        started = time.perf_counter()
        await asyncio.gather(
            *(
                _worker(port, f"/bot{TOKEN}/sendMessage", body, per_connection)
                for _ in range(connections)
            )
        )
        elapsed = time.perf_counter() - started
        async with httpx.AsyncClient(base_url=url, trust_env=False) as client:
            stats = (await client.get("/sandbox/stats")).json()["result"]
        print(
            json.dumps(
                {
                    "requests": total,
                    "connections": connections,
                    "seconds": round(elapsed, 3),
                    "requests_per_second": round(total / elapsed),
                    "messages_delivered": stats["messages_delivered"],
                }
            )
        )
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)


def main() -> None:
    """Parse options and run the bounded benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(run(args.requests, args.connections))


if __name__ == "__main__":
    main()
