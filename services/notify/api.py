"""HTTP routes of the notify service."""
from datetime import datetime, timezone

from fastapi import APIRouter, Query
from sqlalchemy import func
from sqlmodel import select

from shared.app import SessionDep
from shared.identity import PrincipalDep
from shared.problems import Forbidden, NotFound

from .recipients import inbox_of
from .schemas import InboxItemPublic, InboxPage
from .tables import InboxItem

router = APIRouter(prefix="/v1", tags=["inbox"])


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
async def mark_read(item_id: int, session: SessionDep, principal: PrincipalDep) -> InboxItemPublic:
    """Mark one of the caller's notifications read (repeating it changes nothing)."""
    item = await session.get(InboxItem, item_id)
    if item is None or item.recipient != _recipient(principal):
        raise NotFound(f"no inbox item {item_id}")
    if item.read_at is None:
        item.read_at = datetime.now(timezone.utc)
        session.add(item)
        await session.commit()
    return InboxItemPublic.model_validate(item, from_attributes=True)
