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


def _production(monkeypatch, **env) -> None:
    for name, value in {"JOINTSUP_JWT_SECRET": "x" * 48, "JOINTSUP_FERNET_KEYS": PiiCipher.generate_key(),
                        "JOINTSUP_HASH_KEY": "h" * 32, **env}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


@pytest.mark.parametrize(("short", "value"), [("JOINTSUP_JWT_SECRET", "x"), ("JOINTSUP_JWT_SECRET", "密" * 10),
                                              ("JOINTSUP_HASH_KEY", "h" * 31)])
def test_production_refuses_keys_shorter_than_32_bytes(monkeypatch, short, value):
    _production(monkeypatch, **{short: value})
    with pytest.raises(ValidationError, match=f"{short} must be at least 32 bytes"):
        ComplaintsSettings(environment="production")
    monkeypatch.setenv(short, value + "k" * 32)
    assert ComplaintsSettings(environment="production")


def test_production_with_a_jwks_needs_its_issuer_and_audience(monkeypatch):
    _production(monkeypatch, JOINTSUP_JWT_SECRET=None, JOINTSUP_JWKS_URL="https://idp.example.gov.cn/jwks.json")
    for missing in ({}, {"JOINTSUP_JWT_ISSUER": "https://idp.example.gov.cn"}, {"JOINTSUP_JWT_AUDIENCE": "jointsup"}):
        for name in ("JOINTSUP_JWT_ISSUER", "JOINTSUP_JWT_AUDIENCE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in missing.items():
            monkeypatch.setenv(name, value)
        with pytest.raises(ValidationError, match="JOINTSUP_JWT_ISSUER and JOINTSUP_JWT_AUDIENCE"):
            ComplaintsSettings(environment="production")
    monkeypatch.setenv("JOINTSUP_JWT_ISSUER", "https://idp.example.gov.cn")
    settings = ComplaintsSettings(environment="production")  # the dev secret stays: with JWKS it verifies nothing
    assert (settings.jwt_issuer, settings.jwt_audience) == ("https://idp.example.gov.cn", "jointsup")


def test_production_refuses_loopback_webhook_targets(monkeypatch):
    from services.notify.settings import NotifySettings

    _production(monkeypatch, NOTIFY_ALLOW_LOOPBACK="true")
    with pytest.raises(ValidationError, match="NOTIFY_ALLOW_LOOPBACK"):
        NotifySettings(environment="production")
    monkeypatch.setenv("NOTIFY_ALLOW_LOOPBACK", "false")
    assert not NotifySettings(environment="production").loopback_allowed


def test_a_rate_limit_must_parse(monkeypatch):
    monkeypatch.setenv("JOINTSUP_RATE_LIMIT_PUBLIC", "twenty a second")
    with pytest.raises(ValidationError, match="rate_limit_public|JOINTSUP_RATE_LIMIT_PUBLIC"):
        ComplaintsSettings()


def test_production_refuses_trusting_every_proxy(monkeypatch):
    """With `*`, any client could name any address in X-Forwarded-For and step round the per-address limits."""
    _production(monkeypatch, JOINTSUP_FORWARDED_ALLOW_IPS="*")
    with pytest.raises(ValidationError, match="JOINTSUP_FORWARDED_ALLOW_IPS"):
        ComplaintsSettings(environment="production")
    monkeypatch.setenv("JOINTSUP_FORWARDED_ALLOW_IPS", "10.0.0.0/8")
    assert ComplaintsSettings(environment="production").forwarded_allow_ips == "10.0.0.0/8"


def test_republishing_to_a_new_broker_is_refused_in_production(monkeypatch):
    """Kafka keeps its log: a republish there would flood every consumer with the whole retained window."""
    _production(monkeypatch, JOINTSUP_REPUBLISH_ON_NEW_BROKER="true")
    with pytest.raises(ValidationError, match="JOINTSUP_REPUBLISH_ON_NEW_BROKER"):
        ComplaintsSettings(environment="production")
    assert ComplaintsSettings(environment="development").republish_on_new_broker
