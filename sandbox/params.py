"""Turning request parameters into typed values the way Telegram reads them.

Telegram accepts the same parameters as a query string, a form-urlencoded body, a multipart
body or a JSON body. In the first three every value is a string and nested objects are
JSON-encoded (this is how python-telegram-bot sends them); in JSON they are typed. This
module coerces both to Python values according to the method table, checks required
parameters, and, in strict mode, refuses parameters the Bot API does not define.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sandbox.errors import ApiError, bad_request
from sandbox.methods import MethodSpec

_SCALARS = {"Integer", "String", "Boolean", "Float", "InputFile"}


@dataclass(frozen=True, slots=True)
class Upload:
    """A file part of a multipart request."""

    data: bytes
    filename: str | None
    content_type: str | None


def _empty_description(method: str, name: str) -> str:
    if name == "text" and method.lower() in ("sendmessage", "editmessagetext"):
        return "message text is empty"
    return f"{name} is empty"


def coerce(
    spec: MethodSpec,
    raw: dict[str, Any],
    uploads: dict[str, Upload],
    *,
    strict: bool,
) -> dict[str, Any]:
    """Typed parameters for ``spec``; raises ``ApiError`` as Telegram would answer."""
    result: dict[str, Any] = {}
    for name, value in raw.items():
        param = spec.params.get(name)
        if param is None:
            if strict:
                raise bad_request(
                    f'unknown parameter "{name}" for method {spec.name} '
                    "(the sandbox runs in strict mode; Telegram does not define it)"
                )
            continue
        result[name] = _coerce_value(name, value, param.types, uploads)
    for name, param in spec.params.items():
        if name not in result and "InputFile" in param.types and name in uploads:
            result[name] = uploads[name]
        if param.required and result.get(name) in (None, ""):
            raise bad_request(_empty_description(spec.name, name))
    return result


def _coerce_value(name: str, value: Any, types: tuple[str, ...], uploads: dict[str, Upload]) -> Any:
    if value is None:
        return None
    if "InputFile" in types and isinstance(value, str) and value.startswith("attach://"):
        part = value.removeprefix("attach://")
        if part not in uploads:
            raise bad_request(f"file {part} not found in the request")
        return uploads[part]
    if "Integer" in types:
        number = _as_int(value)
        if number is not None:
            return number
        if "String" not in types:
            raise bad_request(f"invalid {name} specified")
    if "Float" in types:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None
    if "Boolean" in types:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0", ""):
            return False
        raise bad_request(f"invalid {name} specified")
    if "String" in types or "InputFile" in types:
        if isinstance(value, (dict, list)):
            raise bad_request(f"invalid {name} specified")
        return value if isinstance(value, str) else json.dumps(value)
    # An object or an array of objects: JSON-encoded in non-JSON requests.
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise _json_error(name) from None
    is_array = any(t.startswith("Array of") for t in types)
    if is_array and not isinstance(value, list):
        raise _json_error(name)
    if not is_array and not all(t in _SCALARS for t in types) and not isinstance(value, dict):
        raise _json_error(name)
    if "InputMedia" in types:
        return _attach_media(value, uploads)
    return value


def _attach_media(media: dict[str, Any], uploads: dict[str, Upload]) -> dict[str, Any]:
    """An InputMedia object whose ``attach://<name>`` fields (``media``, ``thumbnail``) are
    replaced by the uploaded parts, as Telegram resolves them."""
    resolved = dict(media)
    for key in ("media", "thumbnail"):
        value = resolved.get(key)
        if isinstance(value, str) and value.startswith("attach://"):
            part = value.removeprefix("attach://")
            if part not in uploads:
                raise bad_request(f"file {part} not found in the request")
            resolved[key] = uploads[part]
    return resolved


def _json_error(name: str) -> ApiError:
    if name == "reply_markup":
        return bad_request("can't parse reply keyboard markup JSON object")
    if name.endswith("entities"):
        return bad_request("can't parse entities JSON object")
    return bad_request(f"can't parse {name} JSON object")


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    return None
