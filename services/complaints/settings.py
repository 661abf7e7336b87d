"""Complaints settings: the shared ones plus the port, database and statutory defaults."""
from pathlib import Path

from pydantic import AliasChoices, Field

from shared.settings import ServiceSettings


class ComplaintsSettings(ServiceSettings):
    service_name: str = "complaints"
    port: int = Field(8101, validation_alias="COMPLAINTS_PORT")
    database_url: str | None = Field(None, validation_alias=AliasChoices("COMPLAINTS_DATABASE_URL", "DATABASE_URL"))
    # 市场监督管理投诉举报处理暂行办法 Art. 14: decide on acceptance within 7 working days of receipt.
    acceptance_working_days: int = Field(7, ge=1, validation_alias="COMPLAINTS_ACCEPTANCE_WORKING_DAYS")
    description_max_chars: int = Field(5000, ge=100, validation_alias="COMPLAINTS_DESCRIPTION_MAX_CHARS")
    classification_path: Path | None = Field(None, validation_alias="COMPLAINTS_CLASSIFICATION_PATH")
