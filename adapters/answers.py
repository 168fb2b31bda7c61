"""In-process idempotency memory of sign answers, for adapters that keep it themselves
(`local`, `csc`): (tenant, idempotency key) -> (what identifies the request, answer),
least recently stored forgotten first past `size`. How a replay is recognised as the same
request is the adapter's (a fingerprint, or the remembered signature verifying)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

from adapters.protocol import SignRequest, SignResult

Tag = TypeVar("Tag")


class SignAnswers(Generic[Tag]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._answers: OrderedDict[tuple[str, str], tuple[Tag, SignResult]] = OrderedDict()

    def get(self, req: SignRequest) -> tuple[Tag, SignResult] | None:
        return self._answers.get((req.tenant, req.idempotency_key))

    def keep(self, req: SignRequest, tag: Tag, answer: SignResult) -> tuple[Tag, SignResult]:
        """Remember `answer` unless a concurrent twin got there first; returns the one kept."""
        kept = self._answers.setdefault((req.tenant, req.idempotency_key), (tag, answer))
        while len(self._answers) > self.size:
            self._answers.popitem(last=False)
        return kept
