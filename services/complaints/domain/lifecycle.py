"""The complaint state machine: which action is allowed in which status, and where it leads.

received ──accept──▶ mediating (complaint) ──mediation success──▶ closed
   │   │                 │  └─mediation failure / 45 wd expiry──▶ mediation_failed ──close──▶ closed
   │   │                 └─escalate──▶ escalated ──case.filed──▶ case_filed ──case.closed──▶ closed
   │   └──accept──▶ verifying (report) ──extend (once)──▶ verifying; ──escalate / close──▶
   ├──reject──▶ rejected
   └──forward──▶ forwarded ──platform resolved──▶ closed; unresolved / overdue──▶ received
held (a flagged complainant's new complaint) allows what received allows, plus release.
"""
from dataclasses import dataclass

from shared.errors import Conflict

OPEN_STATUSES = ("received", "held", "forwarded", "mediating", "mediation_failed", "verifying",
                 "escalated", "case_filed")
FINAL_STATUSES = ("rejected", "closed")
STATUSES = OPEN_STATUSES + FINAL_STATUSES

# The step an open status waits on; its deadline is the complaint's due_at. Cases own the deadlines after escalation.
STEP_OF_STATUS = {
    "received": "acceptance",
    "held": "review",
    "forwarded": "platform_response",
    "mediating": "mediation",
    "mediation_failed": "closing_notice",
    "verifying": "verification",
}

# Outcomes of a closed complaint that count as resolved in the public statistics.
RESOLVED_OUTCOMES = frozenset({"resolved_by_platform", "mediated", "case_closed"})

_BEFORE_ACCEPTANCE = ("received", "held")


@dataclass(frozen=True)
class Command:
    """An officer's or platform's command, the statuses it may run from and the kinds it applies to (a
    timeline step's `action` is what was done, which a command records among other steps)."""
    name: str
    from_statuses: tuple[str, ...]
    kinds: tuple[str, ...] = ("complaint", "report")


COMMANDS = {c.name: c for c in (
    Command("accept", _BEFORE_ACCEPTANCE),
    Command("reject", _BEFORE_ACCEPTANCE),
    Command("reclassify", _BEFORE_ACCEPTANCE),
    Command("identify_subject", _BEFORE_ACCEPTANCE),
    Command("release", ("held",)),
    Command("forward", _BEFORE_ACCEPTANCE, kinds=("complaint",)),
    Command("platform_response", ("forwarded",), kinds=("complaint",)),
    Command("mediation", ("mediating",), kinds=("complaint",)),
    Command("extend", ("verifying",), kinds=("report",)),
    Command("escalate", ("mediating", "mediation_failed", "verifying")),
    Command("close", ("mediating", "mediation_failed", "verifying", "escalated", "case_filed")),
)}


class TransitionNotAllowed(Conflict):
    """A 409 at the HTTP edge; a refusal where an event or a sweep asked for it."""

    def __init__(self, action: str, status: str, kind: str, allowed: list[str]):
        self.action, self.status_now, self.allowed = action, status, allowed
        names = ", ".join(allowed) or "none"
        super().__init__(f"{action} is not allowed on a {kind} in status {status!r}; allowed now: {names}",
                         status_now=status, allowed_actions=allowed)


def allowed_actions(status: str, kind: str) -> list[str]:
    """The officer and platform actions open in this status, for this kind."""
    return [c.name for c in COMMANDS.values() if status in c.from_statuses and kind in c.kinds]


def check(action: str, status: str, kind: str) -> None:
    """Raise TransitionNotAllowed (naming the allowed actions) unless `action` may run now."""
    allowed = allowed_actions(status, kind)
    if action not in allowed:
        raise TransitionNotAllowed(action, status, kind, allowed)


def status_after_acceptance(kind: str) -> str:
    """Complaints go to mediation (调解优先); reports to verification."""
    return "mediating" if kind == "complaint" else "verifying"


def status_after_platform_response(outcome: str) -> str:
    """Resolved by the platform closes it; unresolved returns it to the agency for acceptance."""
    return "closed" if outcome == "resolved" else "received"


def status_after_mediation(outcome: str) -> str:
    return "closed" if outcome == "success" else "mediation_failed"
