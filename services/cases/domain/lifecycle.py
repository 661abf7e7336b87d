"""State machines of clues, cases and referrals: which command is allowed when, and by which side."""
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
class Command:
    """An officer's command, the statuses it may run from and, on a referral, the side that gives it (a
    timeline step's `action` is what was done)."""
    name: str
    from_statuses: tuple[str, ...]
    side: str | None = None  # referrals only


CLUE_COMMANDS = {c.name: c for c in (Command("verify", ("pending",)), Command("extend", ("pending",)))}
CASE_COMMANDS = {c.name: c for c in (
    Command("investigate", ("filed",)),
    Command("extend", ("filed", "investigating")),
    Command("refer", ("filed", "investigating")),
    Command("assist", ("filed", "investigating")),
    Command("joint_action", ("filed", "investigating")),
    Command("decide", ("filed", "investigating")),
    Command("close", ("decided",)),
)}
REFERRAL_COMMANDS = {c.name: c for c in (
    Command("approve", ("awaiting_approval",), SENDER),
    Command("accept", ("pending", "review_requested"), RECEIVER),
    Command("reject", ("pending", "review_requested"), RECEIVER),
    Command("forward", ("pending",), RECEIVER),
    Command("review", ("rejected",), SENDER),
    Command("outcome", ("accepted",), RECEIVER),
)}


class TransitionNotAllowed(Conflict):
    """A 409 at the HTTP edge; a refusal where an event or a sweep asked for it."""

    def __init__(self, what: str, action: str, status: str, allowed: list[str]):
        self.allowed = allowed
        super().__init__(f"{action} is not allowed on a {what} in status {status!r}; "
                         f"allowed now: {', '.join(allowed) or 'none'}", status_now=status, allowed_actions=allowed)


def allowed(commands: dict[str, Command], status: str) -> list[str]:
    return [c.name for c in commands.values() if status in c.from_statuses]


def check(what: str, commands: dict[str, Command], action: str, status: str) -> None:
    names = allowed(commands, status)
    if action not in names:
        raise TransitionNotAllowed(what, action, status, names)


def referral_after_reject(status: str) -> str:
    """A first refusal may be reviewed at the sender's request; a refusal after review is final."""
    return "rejected_final" if status == "review_requested" else "rejected"


# Kinds after whose acceptance the receiver owns the case (the sender keeps reading it).
OWNERSHIP_MOVES = frozenset({"jurisdiction", "cross_region", "upward", "downward"})
