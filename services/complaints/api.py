"""HTTP routes of the complaints service: schema → use case → response."""
from fastapi import APIRouter, Response, status

from shared.app import RuntimeDep, SessionDep
from shared.identity import Principal, require_roles

from . import service
from .schemas import ComplaintCreate, ComplaintPublic

router = APIRouter(prefix="/v1", tags=["complaints"])
PROBLEMS = {s: {"model": None, "content": {"application/problem+json": {}}} for s in (400, 401, 403, 404, 422)}

IntakePrincipal = require_roles("intake", "officer", "lead", "platform", "admin")
ReaderPrincipal = require_roles("intake", "officer", "lead", "platform", "admin", "service")


@router.post("/complaints", status_code=status.HTTP_201_CREATED, response_model=ComplaintPublic,
             responses={200: {"model": ComplaintPublic, "description": "the same channel + external_ref again"},
                        **PROBLEMS})
async def submit_complaint(body: ComplaintCreate, response: Response, session: SessionDep, runtime: RuntimeDep,
                           principal: Principal = IntakePrincipal) -> ComplaintPublic:
    """Take in a complaint or report from any channel, route it under 1+N, and announce it."""
    complaint, created = await service.submit_complaint(session, runtime=runtime, principal=principal, data=body)
    if not created:
        response.status_code = status.HTTP_200_OK
    _, access = await service.get_visible(session, runtime=runtime, principal=principal, complaint_id=complaint.id)
    return service.to_public(complaint, runtime=runtime, access=access)


@router.get("/complaints/{complaint_id}", response_model=ComplaintPublic, responses=PROBLEMS)
async def get_complaint(complaint_id: str, session: SessionDep, runtime: RuntimeDep,
                        principal: Principal = ReaderPrincipal) -> ComplaintPublic:
    """One complaint, if the caller handles it or oversees its region; personal data masked for others."""
    complaint, access = await service.get_visible(session, runtime=runtime, principal=principal,
                                                  complaint_id=complaint_id)
    return service.to_public(complaint, runtime=runtime, access=access)
