"""Credit settings: the shared ones plus the port, database and the listing and sanction defaults."""
from pathlib import Path

from pydantic import AliasChoices, Field

from shared.settings import ServiceSettings

HERE = Path(__file__).parent


class CreditSettings(ServiceSettings):
    service_name: str = "credit"
    port: int = Field(8103, validation_alias="CREDIT_PORT")
    database_url: str | None = Field(None, validation_alias=AliasChoices("CREDIT_DATABASE_URL", "DATABASE_URL"))
    # SAMR Order 44: the party may state its case within 5 working days of the listing notice.
    listing_notice_days: int = Field(5, ge=0, le=60, validation_alias="CREDIT_LISTING_NOTICE_DAYS",
                                     description="working days between a listing notice and the earliest decision")
    sanction_execution_working_days: int = Field(10, ge=1, le=120,
                                                 validation_alias="CREDIT_SANCTION_EXECUTION_WORKING_DAYS",
                                                 description="an executing agency reports execution within")
    rules_path: Path = Field(HERE / "rules.yaml", validation_alias="CREDIT_RULES_PATH")
    sanctions_path: Path = Field(HERE / "sanctions.yaml", validation_alias="CREDIT_SANCTIONS_PATH")
    sweep_seconds: float = Field(60.0, gt=0, validation_alias="CREDIT_SWEEP_SECONDS")
