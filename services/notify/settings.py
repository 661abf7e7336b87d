"""Notify settings: the shared ones plus the port and database."""
from pydantic import AliasChoices, Field

from shared.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    service_name: str = "notify"
    port: int = Field(8104, validation_alias="NOTIFY_PORT")
    database_url: str | None = Field(None, validation_alias=AliasChoices("NOTIFY_DATABASE_URL", "DATABASE_URL"))
