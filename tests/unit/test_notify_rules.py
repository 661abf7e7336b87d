"""Pure notify rules: signatures, SMS segments, target checks, retry schedule, circuit, audience, templates."""
import random
from datetime import datetime, timezone

import pytest
import yaml

from services.notify.consumers import AUDIENCE_PATH
from services.notify.domain.audience import audience
from services.notify.domain.retry import Circuit, next_delay
from services.notify.domain.signing import new_secret, signature, signature_header
from services.notify.domain.sms import segments
from services.notify.domain.targets import url_problem
from services.notify.templates import render
from shared.events import spec_for


def test_signature_matches_the_standard_webhooks_test_vector():
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == \
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    two = signature_header([secret, new_secret()], "m", 1, body)
    assert len(two.split()) == 2 and new_secret().startswith("whsec_")


@pytest.mark.parametrize(("text", "count"), [("", 0), ("a" * 160, 1), ("a" * 161, 2), ("中" * 70, 1),
                                             ("中" * 71, 2), ("中" * 134, 2), ("中" * 135, 3)])
def test_sms_segments(text, count):
    assert segments(text) == count


@pytest.mark.parametrize(("url", "addresses", "ok"), [
    ("https://hooks.example.com/x", ["93.184.216.34"], True),
    ("http://hooks.example.com/x", ["93.184.216.34"], False),
    ("https://internal.example/x", ["10.0.0.5"], False),
    ("https://metadata/x", ["169.254.169.254"], False),
    ("http://127.0.0.1:8080/x", ["127.0.0.1"], True),
    ("ftp://hooks.example.com/x", ["93.184.216.34"], False),
    ("https://partner.gov.cn/x", ["10.0.0.5"], True),  # allow-listed
])
def test_webhook_targets(url, addresses, ok):
    problem = url_problem(url, addresses, allowed_hosts=frozenset({"partner.gov.cn"}), allow_loopback=True)
    assert (problem is None) is ok


def test_loopback_needs_the_setting():
    assert url_problem("http://127.0.0.1/x", ["127.0.0.1"], allowed_hosts=frozenset(), allow_loopback=False)


def test_retry_schedule_and_circuit():
    rng = random.Random(1)
    schedule = [0, 5, 300]
    assert next_delay(schedule, 1, jitter=0, rng=rng) == 5 and next_delay(schedule, 3, jitter=0, rng=rng) is None
    assert 270 <= next_delay(schedule, 2, jitter=0.1, rng=rng) <= 330
    circuit = Circuit(failures=2, open_seconds=10)
    circuit.record("e", False, 0)
    assert circuit.allows("e", 1)
    circuit.record("e", False, 1)
    assert not circuit.allows("e", 5) and circuit.allows("e", 11) and circuit.allows("other", 5)
    circuit.record("e", True, 12)
    assert circuit.allows("e", 12)


def test_audience_rules_name_catalogue_types_and_resolve():
    rules = yaml.safe_load(AUDIENCE_PATH.read_text(encoding="utf-8"))
    for event_type in rules:
        if event_type != "confirm_delivery":
            spec_for(event_type)
    who = audience(rules["credit.sanctions_imposed"], {"sanctions": [{"agency": "440100-fin"},
                                                                      {"agency": "440100-customs"}]}, lambda r: None)
    assert who.agencies == ["440100-fin", "440100-customs"]
    overdue = audience(rules["referral.overdue"], {"agency": "440100-psb", "from_agency": "440105-amr",
                                                   "region": "440105"}, lambda r: "440100-amr")
    assert (overdue.agencies, overdue.lead_offices) == (["440100-psb", "440105-amr"], ["440100-amr"])
    forwarded = audience(rules["complaint.forwarded_to_platform"], {"platform": "jd", "complaint_id": "c1"},
                         lambda r: None)
    assert (forwarded.agencies, forwarded.complainants) == (["platform:jd"], ["c1"])


def test_templates_render_in_both_languages_and_fall_back():
    event = {"type": "jointsup.case.overdue", "subject": "case-1", "time": datetime.now(timezone.utc).isoformat()}
    data = {"agency": "440105-amr", "step": "conclusion", "due_at": "2026-12-01T15:59:59Z", "region": "440105"}
    zh = render("case.overdue", event=event, data=data, role="lead_office", recipient="440100-amr", complainant=None)
    en = render("case.overdue", "en", event=event, data=data, role="primary", recipient="440105-amr",
                complainant=None)
    unknown = render("credit.listed", "fr", event={**event, "type": "jointsup.credit.listed"}, data={}, role="x",
                     recipient="y", complainant=None)
    assert "督办" in zh[0] and "2026-12-01" in zh[1]
    assert en[0] == "Overdue: case.overdue" and "conclusion" in en[1]
    assert unknown[0].startswith("credit.listed")
