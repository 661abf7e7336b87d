"""Request bodies every service takes the same way: strict (unknown fields refused, text stripped), and the two
that carry only words."""
from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    """Base of every request body."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Reason(Body):
    reason: str = Field(min_length=1, max_length=2000)


class Note(Body):
    note: str | None = Field(None, max_length=2000)
