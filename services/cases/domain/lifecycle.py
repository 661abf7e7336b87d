"""State machines of clues, cases and referrals: which action is allowed when, and by which side."""
from dataclasses import dataclass

from shared.errors import Conflict

CLUE_STATUSES = ("pending", "filed", "joined", "dismissed")
CASE_STATUSES = ("filed", "investigating", "decided", "closed")
OPEN_CASE_STATUSES = ("filed", "investigating", "decided")
REFERRAL_STATUSES = ("awaiting_approval", "pending", "rejected", "review_requested", "accepted", "completed",
                     "rejected_final")
OPEN_REFERRAL_STATUSES = ("awaiting_approval", "pending", "review_requested", "accepted")

# Which side of a referral acts in each action: the sending agency or the receiving one.
SENDER, RECEIVER = "sender", "receiver"


@dataclass(frozen=True)
class Action:
    name: str
    from_statuses: tuple[str, ...]
    side: str | None = None  # referrals only


CLUE_ACTIONS = {a.name: a for a in (Action("verify", ("pending",)), Action("extend", ("pending",)))}
CASE_ACTIONS = {a.name: a for a in (
    Action("investigate", ("filed",)),
    Action("extend", ("filed", "investigating")),
    Action("refer", ("filed", "investigating")),
    Action("assist", ("filed", "investigating")),
    Action("joint_action", ("filed", "investigating")),
    Action("decide", ("filed", "investigating")),
    Action("close", ("decided",)),
)}
REFERRAL_ACTIONS = {a.name: a for a in (
    Action("approve", ("awaiting_approval",), SENDER),
    Action("accept", ("pending", "review_requested"), RECEIVER),
    Action("reject", ("pending", "review_requested"), RECEIVER),
    Action("forward", ("pending",), RECEIVER),
    Action("review", ("rejected",), SENDER),
    Action("outcome", ("accepted",), RECEIVER),
)}


class TransitionNotAllowed(Conflict):
    """A 409 at the HTTP edge; a refusal where an event or a sweep asked for it."""

    def __init__(self, what: str, action: str, status: str, allowed: list[str]):
        self.allowed = allowed
        super().__init__(f"{action} is not allowed on a {what} in status {status!r}; "
                         f"allowed now: {', '.join(allowed) or 'none'}", status_now=status, allowed_actions=allowed)


def allowed(actions: dict[str, Action], status: str) -> list[str]:
    return [a.name for a in actions.values() if status in a.from_statuses]


def check(what: str, actions: dict[str, Action], action: str, status: str) -> None:
    names = allowed(actions, status)
    if action not in names:
        raise TransitionNotAllowed(what, action, status, names)


def referral_after_reject(status: str) -> str:
    """A first refusal may be reviewed at the sender's request; a refusal after review is final."""
    return "rejected_final" if status == "review_requested" else "rejected"


# Kinds after whose acceptance the receiver owns the case (the sender keeps reading it).
OWNERSHIP_MOVES = frozenset({"jurisdiction", "cross_region", "upward", "downward"})
