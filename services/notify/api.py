"""HTTP routes of the notify service: inbox, subscriptions, deliveries, digest."""
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from sqlalchemy import func
from sqlmodel import select

from shared.app import RuntimeDep, SessionDep, unit_of_work
from shared.dates import Day
from shared.errors import Forbidden
from shared.identity import Principal, PrincipalDep, require_roles
from shared.problems import RESPONSES

from . import handling, subscriptions
from .digest import digest
from .recipients import inbox_of
from .repository import NotifyUnitOfWork
from .schemas import DeliveryOut, InboxItemPublic, InboxPage, SubscriptionIn, SubscriptionOut
from .tables import Delivery, InboxItem, Subscription

router = APIRouter(prefix="/v1", tags=["notify"])
UnitOfWorkDep = unit_of_work(NotifyUnitOfWork)
Lead = require_roles("lead")


def _recipient(principal) -> str:
    recipient = inbox_of(principal)
    if recipient is None:
        raise Forbidden("the token names no agency or platform, so it has no inbox")
    return recipient


@router.get("/inbox", response_model=InboxPage)
async def list_inbox(session: SessionDep, principal: PrincipalDep, unread_only: bool = False,
                     event_type: str | None = None, limit: int = Query(50, ge=1, le=500)) -> InboxPage:
    """The caller's notifications, unread first, newest first."""
    recipient = _recipient(principal)
    query = select(InboxItem).where(InboxItem.recipient == recipient)
    if unread_only:
        query = query.where(InboxItem.read_at.is_(None))
    if event_type:
        query = query.where(InboxItem.event_type == event_type)
    query = query.order_by(InboxItem.read_at.is_not(None), InboxItem.created_at.desc(), InboxItem.id.desc())
    items = (await session.exec(query.limit(limit))).all()
    unread = (await session.exec(select(func.count()).select_from(InboxItem).where(
        InboxItem.recipient == recipient, InboxItem.read_at.is_(None)))).one()
    return InboxPage(items=[InboxItemPublic.model_validate(i, from_attributes=True) for i in items], unread=unread)


@router.post("/inbox/{item_id}/read", response_model=InboxItemPublic)
async def mark_read(uow: UnitOfWorkDep, principal: PrincipalDep,
                    item_id: int = Path(ge=1, le=2**31 - 1)) -> InboxItemPublic:  # INTEGER on PostgreSQL
    """Mark one of the caller's notifications read (repeating it changes nothing)."""
    recipient = _recipient(principal)  # first: a caller without an inbox learns nothing of which items exist
    item = await handling.mark_read(uow=uow, recipient=recipient, item_id=item_id)
    return InboxItemPublic.model_validate(item, from_attributes=True)


@router.post("/subscriptions", status_code=status.HTTP_201_CREATED, response_model=SubscriptionOut,
             responses=RESPONSES)
async def subscribe(body: SubscriptionIn, uow: UnitOfWorkDep, principal: PrincipalDep) -> SubscriptionOut:
    """A webhook for the caller's agency or platform; the signing secret (whsec_...) is shown only now."""
    return await subscriptions.create(uow=uow, owner=_recipient(principal), actor=principal.sub, body=body)


@router.get("/subscriptions", response_model=list[SubscriptionOut], responses=RESPONSES)
async def list_subscriptions(session: SessionDep, principal: PrincipalDep) -> list[SubscriptionOut]:
    rows = (await session.exec(select(Subscription).where(Subscription.owner == _recipient(principal))
                               .order_by(Subscription.created_at))).all()
    return [subscriptions.out(s) for s in rows]


@router.post("/subscriptions/{subscription_id}/rotate", response_model=SubscriptionOut, responses=RESPONSES)
async def rotate_secret(subscription_id: str, uow: UnitOfWorkDep, principal: PrincipalDep) -> SubscriptionOut:
    return await subscriptions.rotate(uow=uow, owner=_recipient(principal), subscription_id=subscription_id)


def _owned(principal: Principal):
    return None if principal.has_role("admin") else _recipient(principal)


@router.get("/deliveries", response_model=list[DeliveryOut], responses=RESPONSES)
async def list_deliveries(session: SessionDep, principal: PrincipalDep,
                          status: str | None = Query(None, pattern="^(pending|delivered|failed|skipped)$"),
                          limit: int = Query(100, ge=1, le=1000)) -> list[DeliveryOut]:
    """The caller's deliveries (an admin sees all), newest first; `status=failed` are the dead letters."""
    query = select(Delivery)
    if (owner := _owned(principal)) is not None:
        query = query.where(Delivery.recipient == owner)
    if status:
        query = query.where(Delivery.status == status)
    rows = (await session.exec(query.order_by(Delivery.created_at.desc()).limit(limit))).all()
    return [DeliveryOut.model_validate(d, from_attributes=True) for d in rows]


@router.post("/deliveries/{delivery_id}/retry", response_model=DeliveryOut, responses=RESPONSES)
async def retry_delivery(delivery_id: str, uow: UnitOfWorkDep, principal: PrincipalDep) -> DeliveryOut:
    """Send a dead-lettered delivery again, with a fresh schedule."""
    delivery = await handling.retry_delivery(uow=uow, owner=_owned(principal), delivery_id=delivery_id)
    return DeliveryOut.model_validate(delivery, from_attributes=True)


@router.get("/digest", responses=RESPONSES)
async def daily_digest(session: SessionDep, runtime: RuntimeDep, day: Annotated[Day, Query(alias="date")],
                       principal: Principal = Lead) -> dict:
    """For the lead office: per agency of its region, what arrived, what closed, what is overdue that day."""
    if not principal.region:
        raise Forbidden("the token names no region")
    return await digest(session, runtime, region=principal.region, day=day)
