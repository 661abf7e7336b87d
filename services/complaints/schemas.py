"""API models of the complaints service (never the table classes)."""
from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Kind = Literal["complaint", "report"]
Channel = Literal["hotline_12345", "hotline_12315", "web", "platform", "agency"]
DESCRIPTION_MAX = 5000


class Complainant(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(None, min_length=1, max_length=100)
    phone: str | None = Field(None, pattern=r"^\+?[0-9][0-9\- ]{4,19}$")
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    id_number: str | None = Field(None, pattern=r"^[0-9A-Za-z]{6,32}$")


class Subject(BaseModel):
    """The market subject (USCC) and/or platform shop complained about."""

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


class ComplaintCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Kind
    channel: Channel
    external_ref: str = Field(min_length=1, max_length=128, description="the channel's own id; repeats are idempotent")
    complainant: Complainant | None = Field(None, description="optional for anonymous reports")
    subject: Subject
    category: str | None = Field(None, max_length=64, description="classified from the text when absent")
    description: str = Field(min_length=1, max_length=DESCRIPTION_MAX)
    amount: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    occurred_at: datetime | None = None

    @model_validator(mode="after")
    def _complaints_name_the_complainant(self) -> "ComplaintCreate":
        # Art. 9: a complaint needs the complainant's name and contact; a report may be anonymous.
        if self.kind == "complaint" and not (self.complainant and self.complainant.name and self.complainant.phone):
            raise ValueError("a complaint needs complainant.name and complainant.phone (reports may be anonymous)")
        return self


class SubjectPublic(BaseModel):
    uscc: str | None
    name: str | None
    platform: str | None
    shop_id: str | None
    region: str


class ComplaintPublic(BaseModel):
    id: str
    kind: Kind
    channel: Channel
    external_ref: str
    status: str
    category: str
    category_source: Literal["given", "classified", "default"]
    category_terms: list[str] = Field(description="the keywords that decided a classified category")
    subject: SubjectPublic
    description: str
    amount: Decimal | None
    occurred_at: datetime | None
    complainant: Complainant | None = Field(description="masked unless the caller handles the complaint")
    lead_agency: str
    co_agencies: list[str]
    received_at: datetime
    due_at: datetime
