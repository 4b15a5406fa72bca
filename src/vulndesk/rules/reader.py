"""A keyed view of one table of a parsed rule or facts file, so every error names its key path."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import NoReturn, TypeVar

from vulndesk.domain.errors import InvalidInput

T = TypeVar("T")


class Node:
    """One table of a document; `fail` raises the document's error type with the full key path."""

    def __init__(
        self,
        data: Mapping[str, object],
        path: str,
        error: Callable[[str, str, str | None], InvalidInput],
    ) -> None:
        self.data = data
        self.path = path
        self._error = error

    def at(self, key: str | int) -> str:
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str | int, problem: str, accepted: str | None = None) -> NoReturn:
        raise self._error(self.at(key), problem, accepted)

    def only(self, allowed: Iterable[str]) -> None:
        known = tuple(allowed)
        for key in self.data:
            if key not in known:
                self.fail(key, "is not a known key", ", ".join(known))

    def has(self, key: str) -> bool:
        return key in self.data

    def text(self, key: str, default: str | None = None, *, max_len: int = 500) -> str:
        value = self.data.get(key, default)
        if value is None:
            self.fail(key, "is missing", "a string")
        if not isinstance(value, str):
            self.fail(key, f"is a {type_name(value)}", "a string")
        value = value.strip()
        if not value and default is None:
            self.fail(key, "must not be empty", "a non-empty string")
        if len(value) > max_len:
            self.fail(key, f"is {len(value)} characters long", f"at most {max_len}")
        return value

    def texts(self, key: str, default: list[str] | None = None) -> list[str]:
        value = self.data.get(key, default)
        if value is None:
            self.fail(key, "is missing", "a list of strings")
        if not isinstance(value, list):
            self.fail(key, f"is a {type_name(value)}", "a list of strings")
        for index, item in enumerate(value):
            if not isinstance(item, str):
                self.fail(f"{key}[{index}]", f"is a {type_name(item)}", "a string")
        return [item.strip() for item in value]

    def flag(self, key: str, default: bool | None = None) -> bool | None:
        value = self.data.get(key, default)
        if value is not None and not isinstance(value, bool):
            self.fail(key, f"is a {type_name(value)}", "true or false")
        return value

    def table(self, key: str, *, required: bool = False) -> Node | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail(key, "is missing", "a table (an object)")
            return None
        if not isinstance(value, Mapping):
            self.fail(key, f"is a {type_name(value)}", "a table (an object)")
        return Node(value, self.at(key), self._error)

    def section(self, key: str) -> Node:
        """The table at `key`, or an empty one when the key is absent."""
        return self.table(key) or Node({}, self.at(key), self._error)

    def parsed(self, key: str, parse: Callable[[str], T], default: str | None = None) -> T:
        """A string value passed through a domain validator; its complaint gets this key path."""
        value = self.text(key, default)
        try:
            return parse(value)
        except InvalidInput as exc:
            self.fail(key, exc.problem, exc.accepted)

    def parsed_list(
        self, key: str, parse: Callable[[str], T], default: list[str] | None = None
    ) -> list[T]:
        """Each string of a list through a validator; complaints name the item, `key[i]`."""
        out = []
        for index, value in enumerate(self.texts(key, default)):
            try:
                out.append(parse(value))
            except InvalidInput as exc:
                self.fail(f"{key}[{index}]", exc.problem, exc.accepted)
        return out

    def child(self, key: str | int, value: object) -> Node:
        if not isinstance(value, Mapping):
            self.fail(key, f"is a {type_name(value)}", "a table (an object)")
        return Node(value, self.at(key), self._error)


def type_name(value: object) -> str:
    """A reader's word for a parsed value's type."""
    names = {
        bool: "boolean",
        int: "number",
        float: "number",
        str: "string",
        list: "list",
        dict: "table (object)",
    }
    return names.get(type(value), type(value).__name__)
