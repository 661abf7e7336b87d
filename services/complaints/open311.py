"""Open311 GeoReport v2 facade: categories as services, form-encoded requests, the spec's error format."""
import uuid

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from shared.app import RuntimeDep, SessionDep
from shared.identity import Principal
from shared.errors import DomainError
from shared.runtime import ServiceRuntime

from . import intake, reading
from .domain.access import Access
from .domain.lifecycle import FINAL_STATUSES
from .schemas import ComplaintCreate
from .repository import ComplaintsUnitOfWork
from .tables import Complaint

router = APIRouter(prefix="/open311/v2", tags=["open311"])
_SUBJECT_ATTRIBUTES = {"uscc": "uscc", "subject_name": "name", "platform": "platform", "shop_id": "shop_id",
                       "region": "region"}


_TEXT = {"type": "string"}
_REQUEST_FORM = {"requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "required": ["api_key", "service_code", "description"],
    "properties": {
        "api_key": {**_TEXT, "description": "the intake centre's key"},
        "service_code": {**_TEXT, "description": "a category code, from GET /open311/v2/services.json"},
        "description": {**_TEXT, "minLength": 1},
        "first_name": _TEXT, "last_name": _TEXT, "phone": _TEXT, "email": _TEXT,
        "attribute[kind]": {"type": "string", "enum": ["complaint", "report"]},
        "attribute[external_ref]": {**_TEXT, "description": "the centre's own id; repeats are idempotent"},
        **{f"attribute[{attribute}]": _TEXT for attribute in _SUBJECT_ATTRIBUTES}}}}}}}


class Open311Error(Exception):
    def __init__(self, code: int, description: str):
        self.code, self.description = code, description


def _errors(code: int, *descriptions: str) -> JSONResponse:
    return JSONResponse([{"code": code, "description": d} for d in descriptions], status_code=code)


@router.get("/services.json")
async def services(runtime: RuntimeDep) -> list[dict]:
    """Every complaint category, as an Open311 service (service_code = category code)."""
    return [{"service_code": c.code, "service_name": c.name_zh, "description": c.name_en, "metadata": True,
             "type": "realtime", "keywords": c.code.replace("_", ", "), "group": c.lead}
            for c in runtime.registry.categories.values()]


@router.post("/requests.json", status_code=status.HTTP_201_CREATED, openapi_extra=_REQUEST_FORM)
async def create_request(request: Request, session: SessionDep, runtime: RuntimeDep):
    """A complaint from form fields; the api_key stands for an intake centre."""
    form = await request.form()
    try:
        principal = _principal(runtime, form.get("api_key"))
        data = _complaint(form, principal)
        complaint, _ = await intake.submit_complaint(uow=ComplaintsUnitOfWork(runtime, session, owns_transaction=True),
                                                     by=principal, data=data)
    except Open311Error as exc:
        return _errors(exc.code, exc.description)
    except ValidationError as exc:
        return _errors(400, *(f"{_field(e['loc'])}: {e['msg']}" for e in exc.errors()))
    except DomainError as exc:
        return _errors(exc.status if exc.status in (403, 404) else 400, exc.detail)
    notice = f"routed to {complaint.lead_agency}" + (f" with {', '.join(complaint.co_agencies)}"
                                                     if complaint.co_agencies else "")
    return [{"service_request_id": complaint.id, "service_notice": notice, "account_id": None}]


@router.get("/requests/{request_id}.json")
async def get_request(request_id: str, session: SessionDep, runtime: RuntimeDep, api_key: str | None = None):
    """Status in Open311 terms; the description only for the intake centre behind a valid api_key."""
    complaint = await session.get(Complaint, request_id)
    if complaint is None:
        return _errors(404, f"no service request {request_id}")
    detailed = False
    if api_key is not None:
        try:
            detailed = reading.access_to(complaint, _principal(runtime, api_key), runtime) is not Access.NONE
        except Open311Error as exc:
            return _errors(exc.code, exc.description)
    return [_service_request(complaint, runtime, detailed=detailed)]


def _principal(runtime: ServiceRuntime, api_key: str | None) -> Principal:
    agency = runtime.settings.open311_principals().get(api_key or "")
    if agency is None:
        raise Open311Error(403, "api_key missing or not valid")
    return Principal(sub=f"open311:{agency}", agency=agency, roles=frozenset({"intake"}))


def _complaint(form, principal: Principal) -> ComplaintCreate:
    def field(name: str) -> str | None:
        value = form.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else None

    if field("service_code") is None:
        raise Open311Error(400, "service_code is required")
    subject = {key: field(f"attribute[{attribute}]") for attribute, key in _SUBJECT_ATTRIBUTES.items()}
    name = "".join(p for p in (field("last_name"), field("first_name")) if p) or None
    contact = {"name": name, "phone": field("phone"), "email": field("email")}
    kind = field("attribute[kind]") or ("complaint" if name and contact["phone"] else "report")
    channel = {"12345": "hotline_12345", "12315": "hotline_12315"}.get((principal.agency or "").rsplit("-", 1)[-1],
                                                                        "web")
    return ComplaintCreate.model_validate({
        "kind": kind, "channel": channel,
        "external_ref": field("attribute[external_ref]") or f"open311-{uuid.uuid4()}",
        "complainant": {k: v for k, v in contact.items() if v} or None,
        "subject": {k: v for k, v in subject.items() if v},
        "category": field("service_code"), "description": field("description") or "",
    })


def _service_request(complaint: Complaint, runtime: ServiceRuntime, *, detailed: bool) -> dict:
    category = runtime.registry.category(complaint.category)
    closed = complaint.status in FINAL_STATUSES
    notes = complaint.status + (f": {complaint.outcome}" if complaint.outcome else "")
    return {
        "service_request_id": complaint.id, "status": "closed" if closed else "open", "status_notes": notes,
        "service_name": category.name_zh, "service_code": complaint.category,
        "description": complaint.description if detailed else None,
        "agency_responsible": complaint.lead_agency, "service_notice": None,
        "requested_datetime": complaint.received_at.isoformat(),
        "updated_datetime": complaint.updated_at.isoformat(),
        "expected_datetime": complaint.due_at.isoformat() if complaint.due_at else None,
        "address": None, "address_id": None, "zipcode": None, "lat": None, "long": None, "media_url": None,
    }


def _field(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "request"
