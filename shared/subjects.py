"""The market subject a complaint, clue or case is about, as callers give it and as it is checked."""
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.events.payloads.common import SubjectRef
from shared.errors import InvalidInput
from shared.uscc import InvalidUSCC, uscc_region, validate_uscc


class Subject(BaseModel):
    """The market subject (USCC) and/or platform shop."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    uscc: str | None = Field(None, min_length=1, max_length=32, description="统一社会信用代码, GB 32100-2015")
    name: str | None = Field(None, max_length=200)
    platform: str | None = Field(None, max_length=64)
    shop_id: str | None = Field(None, max_length=128)
    region: str | None = Field(None, pattern=r"^\d{6}$", description="GB/T 2260; from the USCC when absent")

    @model_validator(mode="after")
    def _identifies_something(self) -> "Subject":
        if not (self.uscc or self.region):
            raise ValueError("give the subject's uscc or its region")
        if self.shop_id and not self.platform:
            raise ValueError("shop_id needs the platform it belongs to")
        return self


def checked_uscc(uscc: str | None, exceptions: frozenset[str]) -> str | None:
    """The normalised USCC; 422 on `subject.uscc` when it fails the check and is not an allowed exception."""
    if uscc is None:
        return None
    try:
        return validate_uscc(uscc, exceptions)
    except InvalidUSCC as exc:
        raise InvalidInput(f"invalid USCC: {exc}", field="subject.uscc") from None


def resolve(subject: Subject, exceptions: frozenset[str]) -> SubjectRef:
    """A checked subject whose region comes from the USCC when not given."""
    uscc = checked_uscc(subject.uscc, exceptions)
    return SubjectRef(uscc=uscc, name=subject.name, platform=subject.platform, shop_id=subject.shop_id,
                      region=subject.region or uscc_region(uscc))


def ref_of(row) -> SubjectRef:
    """The subject of a stored complaint, clue or case (columns subject_uscc, subject_name, ...)."""
    return SubjectRef(uscc=row.subject_uscc, name=row.subject_name, platform=row.subject_platform,
                      shop_id=row.subject_shop_id, region=row.subject_region)
