"""Bot API errors in Telegram's shape: ``{"ok": false, "error_code", "description", ...}``."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answered to the bot exactly as Telegram would answer it."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        result: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.parameters:
            result["parameters"] = self.parameters
        return result


def bad_request(detail: str, parameters: dict[str, Any] | None = None) -> ApiError:
    """400 ``Bad Request: <detail>``."""
    return ApiError(400, f"Bad Request: {detail}", parameters)


def forbidden(detail: str) -> ApiError:
    """403 ``Forbidden: <detail>``."""
    return ApiError(403, f"Forbidden: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    """429 with ``parameters.retry_after``, as Telegram's flood control answers."""
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def not_found() -> ApiError:
    """404 for an unknown method, as Telegram answers it."""
    return ApiError(404, "Not Found")


def unauthorized() -> ApiError:
    """401 for an unknown token."""
    return ApiError(401, "Unauthorized")


CHAT_NOT_FOUND = "chat not found"
BLOCKED = "bot was blocked by the user"
