"""Cases settings: the shared ones plus the port, database and the statutory defaults."""
from pathlib import Path

from pydantic import AliasChoices, Field

from shared.settings import ServiceSettings, days_setting

from .domain.deadlines import CaseDeadlines as Rules


class CasesSettings(ServiceSettings):
    service_name: str = "cases"
    port: int = Field(8102, validation_alias="CASES_PORT")
    database_url: str | None = Field(None, validation_alias=AliasChoices("CASES_DATABASE_URL", "DATABASE_URL"))

    clue_verification_working_days: int = days_setting(Rules.clue_verification_working_days,
                                                       "CASES_CLUE_VERIFICATION_WORKING_DAYS", "Order 2 Art. 18")
    clue_extension_working_days: int = days_setting(Rules.clue_extension_working_days,
                                                    "CASES_CLUE_EXTENSION_WORKING_DAYS", "Order 2 Art. 18")
    case_conclusion_calendar_days: int = days_setting(Rules.case_conclusion_calendar_days,
                                                      "CASES_CONCLUSION_CALENDAR_DAYS", "Penalty Law Art. 60")
    case_extension_calendar_days: int = days_setting(Rules.case_extension_calendar_days,
                                                     "CASES_EXTENSION_CALENDAR_DAYS", "with approval")
    criminal_approval_calendar_days: int = days_setting(Rules.criminal_approval_calendar_days,
                                                        "CASES_CRIMINAL_APPROVAL_CALENDAR_DAYS", "Decree 310 Art. 5")
    criminal_decision_calendar_days: int = days_setting(Rules.criminal_decision_calendar_days,
                                                        "CASES_CRIMINAL_DECISION_CALENDAR_DAYS", "Decree 310 Art. 8")
    criminal_review_calendar_days: int = days_setting(Rules.criminal_review_calendar_days,
                                                      "CASES_CRIMINAL_REVIEW_CALENDAR_DAYS", "Decree 310 Art. 9")
    referral_acceptance_working_days: int = days_setting(Rules.referral_acceptance_working_days,
                                                         "CASES_REFERRAL_ACCEPTANCE_WORKING_DAYS",
                                                         "accept or refuse a referral")
    referral_outcome_working_days: int = days_setting(Rules.referral_outcome_working_days,
                                                      "CASES_REFERRAL_OUTCOME_WORKING_DAYS", "report the outcome")
    assist_working_days: int = days_setting(Rules.assist_working_days, "CASES_ASSIST_WORKING_DAYS",
                                            "answer an assistance request")
    sweep_seconds: float = Field(30.0, gt=0, validation_alias="CASES_SWEEP_SECONDS")
    severity_path: Path = Field(Path(__file__).parent / "severity.yaml", validation_alias="CASES_SEVERITY_PATH")

    @property
    def deadlines(self) -> Rules:
        return Rules(**{f: getattr(self, f) for f in Rules.__dataclass_fields__})
