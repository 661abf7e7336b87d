"""Credit settings: the shared ones plus the port and database."""
from pydantic import AliasChoices, Field

from shared.settings import ServiceSettings


class CreditSettings(ServiceSettings):
    service_name: str = "credit"
    port: int = Field(8103, validation_alias="CREDIT_PORT")
    database_url: str | None = Field(None, validation_alias=AliasChoices("CREDIT_DATABASE_URL", "DATABASE_URL"))
