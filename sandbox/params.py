"""Reading Bot API parameters the way Telegram does: JSON, urlencoded, multipart or query string.

With urlencoded and multipart bodies every value is a string and objects (``reply_markup``,
``entities``, ``scope``, ``options``, ...) are JSON strings; :class:`Params` decodes them on demand.
Files come as multipart parts, referenced directly by the parameter name or as ``attach://<name>``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sandbox.errors import bad_request

#: Parameters whose value is a JSON-serialized object or array.
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "scope",
        "options",
        "media",
        "commands",
        "allowed_updates",
        "correct_option_ids",
        "reply_parameters",
        "link_preview_options",
        "menu_button",
        "question_entities",
        "explanation_entities",
        "description_entities",
        "message_ids",
        "country_codes",
        "explanation_media",
        "input_message_content",
    }
)


@dataclass
class Upload:
    """A file part of a multipart request."""

    filename: str
    data: bytes
    content_type: str | None = None


class Params:
    """The parameters of one call."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.uploads = uploads or {}

    def __contains__(self, name: str) -> bool:
        value = self.values.get(name)
        return value is not None and value != ""

    def get(self, name: str) -> Any:
        """The raw value (``None`` when absent)."""
        return self.values.get(name)

    def string(self, name: str, default: str | None = None) -> str | None:
        """A string parameter; numbers and booleans are turned into their Bot API spelling."""
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        if isinstance(value, str):
            return value
        return json.dumps(value)

    def integer(self, name: str) -> int | None:
        """An integer parameter, ``None`` when absent or not a number."""
        value = self.values.get(name)
        if value is None or value == "" or isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return int(value)
        try:
            return int(str(value).strip())
        except ValueError:
            return None

    def number(self, name: str) -> float | None:
        """A number parameter, ``None`` when absent or not a number."""
        value = self.values.get(name)
        if value is None or value == "" or isinstance(value, bool):
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            return None

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean parameter (``true``/``1`` in any letter case are true)."""
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            return value != 0
        return str(value).strip().lower() in ("true", "1")

    def json(self, name: str, what: str | None = None) -> Any:
        """A JSON-serialized parameter, decoded; ``None`` when absent."""
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {what or name} JSON object") from None
        return value

    def file(self, name: str) -> Upload | str | None:
        """A file parameter: an upload, or the ``file_id``/URL string given instead."""
        upload = self.uploads.get(name)
        if upload is not None:
            return upload
        value = self.string(name)
        if not value:
            return None
        return self.attached(value)

    def attached(self, value: str) -> Upload | str:
        """Resolve ``attach://<name>`` to its upload; other strings are file identifiers or URLs."""
        if value.startswith("attach://"):
            upload = self.uploads.get(value[len("attach://") :])
            if upload is None:
                raise bad_request(f'can\'t find attached file "{value[len("attach://") :]}"')
            return upload
        return value

    def recorded(self) -> dict[str, Any]:
        """The parameters as the call record keeps them: JSON decoded, files summarised."""
        out: dict[str, Any] = {}
        for key, value in self.values.items():
            if key in JSON_FIELDS and isinstance(value, str):
                try:
                    out[key] = json.loads(value)
                    continue
                except ValueError:
                    pass
            out[key] = value
        for key, upload in self.uploads.items():
            out[key] = {"filename": upload.filename, "size": len(upload.data)}
        return out
