"""A webhook subscription of an agency or platform: which events it wants, its signing secrets (kept encrypted:
the cipher is the caller's), rotation with an overlap, and disabling once its receiver is gone."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shared.domain import Aggregate


@dataclass(kw_only=True, eq=False)
class Subscription(Aggregate):
    id: str
    owner: str  # an agency code, or platform:<code>
    url: str
    event_types: list[str] = field(default_factory=list)  # catalogue types without `jointsup.`, or "*"
    filters: dict = field(default_factory=dict)  # payload field → the value(s) an event must carry
    secret_enc: str
    previous_secret_enc: str | None = None
    previous_valid_until: datetime | None = None
    active: bool = True
    disabled_reason: str | None = None
    created_by: str
    created_at: datetime

    @classmethod
    def register(cls, *, id: str, owner: str, url: str, event_types: list[str], filters: dict, secret_enc: str,
                 by: str, at: datetime) -> "Subscription":
        return cls(id=id, owner=owner, url=url, event_types=[t.removeprefix("jointsup.") for t in event_types],
                   filters=filters, secret_enc=secret_enc, created_by=by, created_at=at)

    def rotate(self, *, secret_enc: str, at: datetime, overlap_seconds: float) -> None:
        """A new secret; the old one keeps signing alongside it for `overlap_seconds`."""
        self.previous_secret_enc, self.secret_enc = self.secret_enc, secret_enc
        self.previous_valid_until = at + timedelta(seconds=overlap_seconds)

    def secrets_enc(self, *, at: datetime) -> list[str]:
        """The secrets that sign at `at`: the current one, and the previous one during its overlap."""
        if self.previous_secret_enc and self.previous_valid_until and self.previous_valid_until > at:
            return [self.secret_enc, self.previous_secret_enc]
        return [self.secret_enc]

    def disable(self, *, reason: str) -> None:
        """The receiver is gone (410): nothing more is sent to it."""
        if self.active:
            self.active, self.disabled_reason = False, reason

    def matches(self, event_type: str, data: dict) -> bool:
        """Whether an event of `event_type` (short) carrying `data` is one the subscription asked for."""
        if self.event_types and "*" not in self.event_types and event_type not in self.event_types:
            return False
        return all(str(data.get(k)) in ([str(x) for x in v] if isinstance(v, list) else [str(v)])
                   for k, v in (self.filters or {}).items())
