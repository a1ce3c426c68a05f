"""The call record: every Bot API call with its timing, parameters and outcome.

Tests assert on what the bot sent (``sb.calls``), benchmarks count calls; ``clear_calls`` starts a
new record.  Uploaded files appear in ``params`` as ``{"filename": ..., "size": ...}``, never as bytes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CallRecord:
    """One Bot API call as the emulator saw it."""

    seq: int
    monotonic: float
    wall: float
    token: str
    method: str
    params: dict[str, Any]
    bot_id: int | None = None
    source: str = "http"
    ok: bool | None = None
    error_code: int | None = None
    description: str | None = None
    result: Any = None
    finished: float | None = None
    fault: str | None = None

    @property
    def duration(self) -> float | None:
        """Seconds from the request to the answer (``None`` while it is pending)."""
        return None if self.finished is None else self.finished - self.monotonic

    def as_dict(self, *, with_result: bool = False) -> dict[str, Any]:
        """JSON form, used by the control endpoints."""
        out: dict[str, Any] = {
            "seq": self.seq,
            "monotonic": self.monotonic,
            "wall": self.wall,
            "token": self.token,
            "bot_id": self.bot_id,
            "method": self.method,
            "params": self.params,
            "source": self.source,
            "ok": self.ok,
            "error_code": self.error_code,
            "description": self.description,
            "duration": self.duration,
            "fault": self.fault,
        }
        if with_result:
            out["result"] = self.result
        return out


@dataclass
class CallLog:
    """An append-only list of :class:`CallRecord` with a few queries."""

    records: list[CallRecord] = field(default_factory=list)
    enabled: bool = True
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def start(self, record: CallRecord) -> CallRecord:
        """Add a call as it begins."""
        if self.enabled:
            self.records.append(record)
        return record

    def next_seq(self) -> int:
        """A new sequence number (numbers keep increasing across ``clear``)."""
        return next(self._seq)

    def clear(self) -> None:
        """Forget every recorded call."""
        self.records.clear()

    def of(self, method: str | None = None, *, ok: bool | None = None) -> list[CallRecord]:
        """Calls of one method (case-insensitive), optionally only successful or failed ones."""
        name = method.lower() if method else None
        return [r for r in self.records if (name is None or r.method.lower() == name) and (ok is None or r.ok is ok)]
