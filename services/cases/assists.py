"""Assisted investigation (协查取证): one agency asks another for evidence or data, with a deadline.

Each use case is keyword-only and typed; who may act is decided here, what the request allows by the aggregate.
"""
import uuid

from shared.errors import Forbidden, InvalidInput, NotFound
from shared.identity import Principal
from shared.registry import RegistryError

from . import case_files
from .domain.assist import Assist
from .repository import CasesUnitOfWork


async def request(*, uow: CasesUnitOfWork, by: Principal, case_id: str, to_agency: str, text: str) -> Assist:
    try:
        uow.runtime.registry.agency(to_agency)
    except RegistryError as exc:
        raise InvalidInput(str(exc), field="to_agency") from None
    case = await case_files.load_for(uow, by, case_id, "assist")
    assist = Assist.ask(case, id=str(uuid.uuid4()), to_agency=to_agency, text=text, by=by.sub, at=uow.now,
                        schedule=uow.schedule)
    uow.assists.add(assist)
    await uow.commit()
    return assist


async def respond(*, uow: CasesUnitOfWork, by: Principal, assist_id: str, findings: str) -> Assist:
    assist = await uow.assists.get(assist_id, lock=True)
    if assist is None or await case_files.visible(uow, by, assist.case_id) is None:
        raise NotFound(f"no assist {assist_id}")
    if not (by.agency == assist.to_agency and by.has_role("officer", "lead")):
        raise Forbidden(f"only officers of {assist.to_agency} may answer this request")
    assist.respond(findings=findings, by=by.sub, at=uow.now)
    await uow.commit()
    return assist
