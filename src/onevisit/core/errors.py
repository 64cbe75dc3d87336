"""Domain errors: services raise them; pages and the API turn them into 4xx answers."""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, *, field: str | None = None, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors: dict[str, str] = dict(errors or {})
        if field:
            self.errors.setdefault(field, message)

    def as_json(self) -> dict[str, object]:
        return {
            "detail": self.message,
            "errors": [{"field": f, "message": m} for f, m in self.errors.items()],
        }


class NotFound(DomainError):
    status = 404


class Invalid(DomainError):
    status = 422


class Conflict(DomainError):
    status = 409


class Forbidden(DomainError):
    status = 403


class TooManyRequests(DomainError):
    """A public address asked too often; `retry_after` is in seconds."""

    status = 429

    def __init__(self, message: str, *, retry_after: int = 60):
        super().__init__(message)
        self.retry_after = retry_after
