"""观察期 (inclusive prudent supervision): a subject or business model observed between two dates."""
import uuid

from shared.events.payloads.credit import CreditObservation
from shared.identity import Principal, serves
from shared.errors import Forbidden
from shared.uscc import uscc_region

from .context import Credit
from .tables import Observation, Subject


def payload(o: Observation) -> CreditObservation:
    return CreditObservation(observation_id=o.id, uscc=o.uscc, business_tag=o.business_tag, starts_on=o.starts_on,
                             ends_on=o.ends_on, reason=o.reason)


async def start(credit: Credit, principal: Principal, *, uscc: str | None, business_tag: str | None, starts_on,
                ends_on, reason: str) -> Observation:
    """A subject is observed by an agency serving its region; a business model, which knows no region, only by a
    lead office (the joint meeting sets that policy)."""
    if uscc is not None:
        subject = await credit.session.get(Subject, uscc)
        region = subject.region if subject is not None and subject.region else uscc_region(uscc)
        if not serves(principal, region, credit.runtime.registry):
            raise Forbidden(f"the subject is registered in region {region}, which {principal.agency} does not serve")
    elif not principal.has_role("lead"):
        raise Forbidden("an observation period for a business model is set by a lead office")
    observation = Observation(id=str(uuid.uuid4()), uscc=uscc, business_tag=business_tag, starts_on=starts_on,
                              ends_on=ends_on, reason=reason, created_by=principal.sub, created_at=credit.now)
    credit.session.add(observation)
    await announce(credit, observation)
    await credit.session.commit()
    return observation


async def announce(credit: Credit, observation: Observation) -> None:
    """Emit started once its first day has come, and ended once its last day has passed."""
    key = observation.uscc or f"tag:{observation.business_tag}"
    if not observation.started and observation.starts_on <= credit.today:
        observation.started = True
        await credit.emit("credit.observation_started", payload(observation), key=key)
    if observation.started and not observation.ended and observation.ends_on < credit.today:
        observation.ended = True
        await credit.emit("credit.observation_ended", payload(observation), key=key)
    credit.session.add(observation)
