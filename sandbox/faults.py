"""Fault injection: make the next N calls of a Bot API method fail or hang.

Faults are checked after the token and the method name are accepted and before the call has any
effect (``hang_next(..., when="after")`` performs the call first and then holds the answer back,
which is how "Telegram did it but the client timed out" looks).  ``method="*"`` matches any method.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Literal

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

_ids = itertools.count(1)


@dataclass
class Fault:
    """One armed fault; ``remaining`` counts down as calls hit it."""

    method: str
    remaining: int
    kind: Literal["fail", "hang"]
    status: int = 500
    description: str = "Internal Server Error"
    retry_after: int | None = None
    seconds: float = 0.0
    then: Literal["answer", "never"] = "answer"
    when: Literal["before", "after"] = "before"
    id: int = field(default_factory=lambda: next(_ids))
    hits: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON form, used by the control endpoints."""
        return {
            "id": self.id,
            "method": self.method,
            "remaining": self.remaining,
            "kind": self.kind,
            "status": self.status,
            "description": self.description,
            "retry_after": self.retry_after,
            "seconds": self.seconds,
            "then": self.then,
            "when": self.when,
            "hits": self.hits,
        }


class Faults:
    """The armed faults of one sandbox."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def fail_next(
        self,
        method: str,
        n: int = 1,
        status: int = 500,
        description: str | None = None,
        *,
        retry_after: int | None = None,
    ) -> Fault:
        """The next ``n`` calls of ``method`` answer ``status`` with ``description``.

        The description defaults to Telegram's wording for the status (``Internal Server Error``
        for 500); ``status=429`` defaults to ``Too Many Requests: retry after N`` with
        ``parameters.retry_after`` (``retry_after`` defaults to 1).
        """
        if status == 429:
            retry_after = retry_after or 1
            description = description or f"Too Many Requests: retry after {retry_after}"
        fault = Fault(
            method=method.lower(),
            remaining=n,
            kind="fail",
            status=status,
            description=description or _DEFAULT_DESCRIPTIONS.get(status, "Internal Server Error"),
            retry_after=retry_after,
        )
        self._faults.append(fault)
        return fault

    def hang_next(
        self,
        method: str,
        n: int = 1,
        seconds: float = 30.0,
        *,
        then: Literal["answer", "never"] = "answer",
        when: Literal["before", "after"] = "before",
    ) -> Fault:
        """The next ``n`` calls of ``method`` wait ``seconds`` before answering (or never answer).

        ``when="before"``: nothing happens until the wait is over (then the call runs normally,
        unless ``then="never"``, in which case it never runs).  ``when="after"``: the call runs at
        once and only its answer is held back.
        """
        fault = Fault(method=method.lower(), remaining=n, kind="hang", seconds=seconds, then=then, when=when)
        self._faults.append(fault)
        return fault

    def take(self, method: str) -> Fault | None:
        """Consume one hit of the first fault armed for ``method`` (case-insensitive)."""
        name = method.lower()
        for fault in self._faults:
            if fault.remaining > 0 and fault.method in (name, "*"):
                fault.remaining -= 1
                fault.hits += 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
                return fault
        return None

    def cancel(self, fault_id: int) -> bool:
        """Disarm one fault; True if it was armed."""
        for fault in self._faults:
            if fault.id == fault_id:
                self._faults.remove(fault)
                return True
        return False

    def clear(self) -> None:
        """Disarm every fault."""
        self._faults.clear()

    def armed(self) -> list[Fault]:
        """The faults still armed, in the order they apply."""
        return list(self._faults)
