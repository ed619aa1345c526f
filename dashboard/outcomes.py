from dataclasses import dataclass


@dataclass(frozen=True)
class RemovalResult:
    """What happened to one object of a "remove these" list: done, or the reason it was not."""

    name: str
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error
