"""Complaints settings: the shared ones plus the port, database and the statutory and early-warning defaults."""
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, model_validator

from shared.settings import ServiceSettings, days_setting

from .domain.deadlines import DeadlineRules
from .domain.early_warning import AbuseRule, ClusterRule

DEV_OPEN311_KEYS = "dev-open311-key=440100-12345"


class ComplaintsSettings(ServiceSettings):
    service_name: str = "complaints"
    port: int = Field(8101, validation_alias="COMPLAINTS_PORT")
    database_url: str | None = Field(None, validation_alias=AliasChoices("COMPLAINTS_DATABASE_URL", "DATABASE_URL"))
    classification_path: Path | None = Field(None, validation_alias="COMPLAINTS_CLASSIFICATION_PATH")

    # Deadlines in working days (市场监督管理投诉举报处理暂行办法; RULES.md names the articles).
    acceptance_working_days: int = days_setting(DeadlineRules.acceptance, "COMPLAINTS_ACCEPTANCE_WORKING_DAYS",
                                                "Art. 14: decide on acceptance")
    platform_response_working_days: int = days_setting(DeadlineRules.platform_response,
                                                       "COMPLAINTS_PLATFORM_RESPONSE_WORKING_DAYS",
                                                       "fast channel: the platform's answer")
    mediation_working_days: int = days_setting(DeadlineRules.mediation, "COMPLAINTS_MEDIATION_WORKING_DAYS",
                                               "Art. 21(5): mediation ends without agreement")
    closing_notice_working_days: int = days_setting(DeadlineRules.closing_notice,
                                                    "COMPLAINTS_CLOSING_NOTICE_WORKING_DAYS",
                                                    "Art. 21: tell the parties mediation ended")
    verification_working_days: int = days_setting(DeadlineRules.verification, "COMPLAINTS_VERIFICATION_WORKING_DAYS",
                                                  "Art. 23: verify a report")
    verification_extension_working_days: int = days_setting(DeadlineRules.verification_extension,
                                                            "COMPLAINTS_VERIFICATION_EXTENSION_WORKING_DAYS",
                                                            "Art. 23: one extension with approval")
    sweep_seconds: float = Field(30.0, gt=0, validation_alias="COMPLAINTS_SWEEP_SECONDS",
                                 description="how often overdue steps are looked for")

    # 投诉纠纷快速处置通道: platforms whose shops' complaints are forwarded on intake ("*" all, "" none).
    fast_channel_platforms: str = Field("*", validation_alias="COMPLAINTS_FAST_CHANNEL_PLATFORMS")

    # 打早打小 and 恶意投诉举报.
    cluster_threshold: int = Field(ClusterRule.threshold, ge=2, validation_alias="COMPLAINTS_CLUSTER_THRESHOLD")
    cluster_window_days: int = days_setting(ClusterRule.window_days, "COMPLAINTS_CLUSTER_WINDOW_DAYS",
                                            "calendar days")
    abuse_max_complaints: int = Field(AbuseRule.max_complaints, ge=1,
                                      validation_alias="COMPLAINTS_ABUSE_MAX_COMPLAINTS")
    abuse_max_subjects: int = Field(AbuseRule.max_subjects, ge=1, validation_alias="COMPLAINTS_ABUSE_MAX_SUBJECTS")
    abuse_window_days: int = days_setting(AbuseRule.window_days, "COMPLAINTS_ABUSE_WINDOW_DAYS", "calendar days")

    # Open311: comma-separated api_key=intake-agency pairs; outside production the development key by default.
    open311_api_keys: SecretStr | None = Field(None, validation_alias="COMPLAINTS_OPEN311_API_KEYS")

    @model_validator(mode="after")
    def _no_dev_open311_key_in_production(self) -> "ComplaintsSettings":
        if self.environment == "production" and "dev-open311-key" in self._open311_keys():
            raise ValueError("the development Open311 key is not allowed in production: "
                             "set COMPLAINTS_OPEN311_API_KEYS")
        return self

    def _open311_keys(self) -> str:
        if self.open311_api_keys is not None:
            return self.open311_api_keys.get_secret_value()
        return "" if self.environment == "production" else DEV_OPEN311_KEYS

    @property
    def deadlines(self) -> DeadlineRules:
        return DeadlineRules(
            acceptance=self.acceptance_working_days, platform_response=self.platform_response_working_days,
            mediation=self.mediation_working_days, closing_notice=self.closing_notice_working_days,
            verification=self.verification_working_days,
            verification_extension=self.verification_extension_working_days)

    @property
    def cluster_rule(self) -> ClusterRule:
        return ClusterRule(threshold=self.cluster_threshold, window_days=self.cluster_window_days)

    @property
    def abuse_rule(self) -> AbuseRule:
        return AbuseRule(max_complaints=self.abuse_max_complaints, max_subjects=self.abuse_max_subjects,
                         window_days=self.abuse_window_days)

    def fast_channel(self, platform: str | None) -> bool:
        codes = {c.strip() for c in self.fast_channel_platforms.split(",") if c.strip()}
        return platform is not None and ("*" in codes or platform in codes)

    def open311_principals(self) -> dict[str, str]:
        """api_key → the intake agency it stands for."""
        pairs = [p.split("=", 1) for p in self._open311_keys().split(",") if "=" in p]
        return {key.strip(): agency.strip() for key, agency in pairs if key.strip() and agency.strip()}
