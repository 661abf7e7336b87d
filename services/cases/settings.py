"""Cases settings: the shared ones plus the port and database."""
from pydantic import AliasChoices, Field

from shared.settings import ServiceSettings


class CasesSettings(ServiceSettings):
    service_name: str = "cases"
    port: int = Field(8102, validation_alias="CASES_PORT")
    database_url: str | None = Field(None, validation_alias=AliasChoices("CASES_DATABASE_URL", "DATABASE_URL"))
