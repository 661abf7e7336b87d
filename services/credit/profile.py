"""The 360° subject profile: the explainable score and tier, scored again from the facts on every change."""
from .domain.subject import Subject
from .repository import CreditUnitOfWork


async def recompute(uow: CreditUnitOfWork, uscc: str, *, name: str | None = None,
                    region: str | None = None) -> Subject:
    """Score the subject again on what the unit of work has changed so far (an unknown subject counts as A)."""
    await uow.flush()
    subject = await uow.subjects.locked(uscc)
    subject.rescore(await uow.facts.of(uscc, today=uow.today), rules=uow.rules, today=uow.today, at=uow.now,
                    name=name, region=region)
    return subject
