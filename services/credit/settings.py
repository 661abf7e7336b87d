"""Credit settings: the shared ones plus the port, database and the listing and sanction defaults."""
from pathlib import Path

from pydantic import AliasChoices, Field

from shared.settings import ServiceSettings, days_setting

from .domain.listing import NOTICE_WORKING_DAYS
from .domain.sanctions import EXECUTION_WORKING_DAYS
from .rules_file import CATALOGUE_PATH, RULES_PATH


class CreditSettings(ServiceSettings):
    service_name: str = "credit"
    port: int = Field(8103, validation_alias="CREDIT_PORT")
    database_url: str | None = Field(None, validation_alias=AliasChoices("CREDIT_DATABASE_URL", "DATABASE_URL"))
    listing_notice_days: int = days_setting(NOTICE_WORKING_DAYS, "CREDIT_LISTING_NOTICE_DAYS",
                                            "working days between a listing notice and the earliest decision",
                                            minimum=0, maximum=60)
    sanction_execution_working_days: int = days_setting(EXECUTION_WORKING_DAYS,
                                                        "CREDIT_SANCTION_EXECUTION_WORKING_DAYS",
                                                        "an executing agency reports execution within", maximum=120)
    rules_path: Path = Field(RULES_PATH, validation_alias="CREDIT_RULES_PATH")
    sanctions_path: Path = Field(CATALOGUE_PATH, validation_alias="CREDIT_SANCTIONS_PATH")
    sweep_seconds: float = Field(60.0, gt=0, validation_alias="CREDIT_SWEEP_SECONDS")
