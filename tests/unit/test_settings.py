"""Settings refuse development secrets outside development, and values that could not work."""
import pytest
from pydantic import ValidationError

from services.complaints.settings import ComplaintsSettings
from shared.pii import PiiCipher


def test_development_defaults_work_in_development(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = ComplaintsSettings(environment="development")
    assert settings.port == 8101 and settings.resolved_database_url().endswith("complaints.db")


def test_production_refuses_development_secrets():
    with pytest.raises(ValidationError, match="JOINTSUP_JWT_SECRET.*JOINTSUP_FERNET_KEYS.*JOINTSUP_HASH_KEY"):
        ComplaintsSettings(environment="production")


def test_production_with_real_secrets_starts(monkeypatch):
    monkeypatch.setenv("JOINTSUP_JWT_SECRET", "x" * 48)
    monkeypatch.setenv("JOINTSUP_FERNET_KEYS", PiiCipher.generate_key())
    monkeypatch.setenv("JOINTSUP_HASH_KEY", "h" * 32)
    monkeypatch.setenv("COMPLAINTS_PORT", "9101")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/complaints")
    settings = ComplaintsSettings(environment="production")
    assert settings.port == 9101 and settings.resolved_database_url() == "postgresql://db/complaints"


def test_service_specific_database_url_wins(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/shared")
    monkeypatch.setenv("COMPLAINTS_DATABASE_URL", "postgresql://db/complaints")
    assert ComplaintsSettings().resolved_database_url() == "postgresql://db/complaints"


def test_a_uscc_exception_must_have_the_shape_of_a_uscc(monkeypatch):
    """An exception skips the check characters only: a code of another length would pass intake and fail to
    store in the 18-character columns."""
    monkeypatch.setenv("JOINTSUP_USCC_EXCEPTIONS", " 91350100m000100y44 , 9135010")
    with pytest.raises(ValidationError, match="9135010 not 18"):
        ComplaintsSettings()
    monkeypatch.setenv("JOINTSUP_USCC_EXCEPTIONS", " 91350100m000100y44 ,")
    assert ComplaintsSettings().uscc_exception_set == {"91350100M000100Y44"}


def test_republishing_to_a_new_broker_is_refused_in_production(monkeypatch):
    """Kafka keeps its log: a republish there would flood every consumer with the whole retained window."""
    monkeypatch.setenv("JOINTSUP_JWT_SECRET", "x" * 48)
    monkeypatch.setenv("JOINTSUP_FERNET_KEYS", PiiCipher.generate_key())
    monkeypatch.setenv("JOINTSUP_HASH_KEY", "h" * 32)
    monkeypatch.setenv("JOINTSUP_REPUBLISH_ON_NEW_BROKER", "true")
    with pytest.raises(ValidationError, match="JOINTSUP_REPUBLISH_ON_NEW_BROKER"):
        ComplaintsSettings(environment="production")
    assert ComplaintsSettings(environment="development").republish_on_new_broker
