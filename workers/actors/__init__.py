"""All actors. The broker is configured first, then every actor module is imported (order matters)."""

# ruff: noqa: I001
from workers.broker import broker
from workers.actors import evaluation, exams, notify, reports, system, uploads

__all__ = ["broker", "evaluation", "exams", "notify", "reports", "system", "uploads"]
