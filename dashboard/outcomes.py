from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from django.utils.translation import gettext as _

from dashboard.engine import EngineError

T = TypeVar("T")


@dataclass(frozen=True)
class RemovalResult:
    """What happened to one object of a "remove these" list: done, or the reason it was not."""

    name: str
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


def remove_listed(
    keys: list[str],
    still_there: Mapping[str, T],
    remove: Callable[[T], None],
    gone: str = "",
    name_of: Callable[[T], str] = str,
) -> list[RemovalResult]:
    """Remove exactly the objects a confirmation page listed, one by one.

    `still_there` comes from a fresh engine list: a key missing from it is reported with
    `gone` and left alone (it was removed, or no longer qualifies, since the user looked),
    and an engine refusal is reported for that object without stopping the rest.
    """
    results = []
    for key in keys:
        item = still_there.get(key)
        if item is None:
            results.append(RemovalResult(key, gone or _("no longer exists")))
            continue
        try:
            remove(item)
            results.append(RemovalResult(name_of(item)))
        except EngineError as e:
            results.append(RemovalResult(name_of(item), e.message))
    return results
