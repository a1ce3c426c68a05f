"""All actors. The broker is configured first, then every actor module is imported (order matters)."""

from workers.actors import system  # noqa: F401
from workers.broker import broker  # noqa: F401  (must come before any actor module)
