"""`edubot bench NAME`: run one benchmark from ``tests/bench/NAME.py`` (its ``main(argv)``)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from domain.errors import EdubotError

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "tests" / "bench"
NOT_BENCHES = {"__init__", "common", "floor_bot"}


def available() -> list[str]:
    if not BENCH_DIR.is_dir():
        return []
    return sorted(p.stem for p in BENCH_DIR.glob("*.py") if p.stem not in NOT_BENCHES)


def run(name: str, argv: list[str]) -> int:
    if name not in available():
        raise EdubotError(f"no benchmark named {name!r}; available: {', '.join(available()) or 'none'}")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    module = importlib.import_module(f"tests.bench.{name}")
    return int(module.main(argv))
