"""An aggregate changes its own state and records what happened: the domain events the outbox will carry, and the
timeline steps that list them. The unit of work takes both when it saves the aggregate (cosmicpython's
`Product.events`, with a timeline beside it)."""
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel


@dataclass(frozen=True)
class Recorded:
    """A domain event: its id is made here, so the timeline step can name it before the outbox has it."""

    type: str
    payload: BaseModel
    subject: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def ref(self) -> dict:
        """How a timeline step lists it."""
        return {"id": self.id, "type": f"jointsup.{self.type}"}


@dataclass(frozen=True)
class Step:
    """One step on the aggregate's timeline: who did what, when, what was then due, which events went out."""

    action: str
    actor: str
    at: datetime
    due_at: datetime | None
    detail: dict
    events: list[dict]


class Aggregate:
    """Base of every aggregate. `id` names it; what it records waits here until the unit of work takes it."""

    id: str

    def record(self, event_type: str, payload: BaseModel, *, subject: str | None = None,
               on_timeline: bool = True) -> Recorded:
        """An event for the outbox, keyed by `subject` (this aggregate by default); listed on the next step unless
        `on_timeline` is false."""
        event = Recorded(event_type, payload, subject or self.id)
        self._pending()[0].append(event)
        if on_timeline:
            self._pending()[2].append(event)
        return event

    def step(self, action: str, *, actor: str, at: datetime, deadline: datetime | None = None, **detail) -> Step:
        """A timeline step carrying the events recorded since the last one; `deadline` is what is then due."""
        events, steps, unlisted = self._pending()
        step = Step(action, actor, at, deadline, detail, [e.ref for e in unlisted])
        unlisted.clear()
        steps.append(step)
        return step

    def take(self) -> tuple[list[Recorded], list[Step]]:
        """What was recorded since the last take, emptied (the unit of work saves it once)."""
        events, steps, unlisted = self._pending()
        taken = (list(events), list(steps))
        events.clear(), steps.clear(), unlisted.clear()
        return taken

    @property
    def recorded(self) -> list[Recorded]:
        """The events recorded and not yet taken (what a test looks at)."""
        return list(self._pending()[0])

    @property
    def steps(self) -> list[Step]:
        return list(self._pending()[1])

    def _pending(self) -> tuple[list[Recorded], list[Step], list[Recorded]]:
        # Made on first use, so that a dataclass aggregate needs no __post_init__ of its own.
        try:
            return self.__dict__["_recorded"]
        except KeyError:
            self.__dict__["_recorded"] = pending = ([], [], [])
            return pending
