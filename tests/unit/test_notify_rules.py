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
from services.notify.domain.targets import TargetPolicy
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


POLICY = TargetPolicy(allowed_hosts=frozenset({"partner.gov.cn"}), allow_loopback=False)
DEV = TargetPolicy(allow_loopback=True)


@pytest.mark.parametrize(("url", "ok"), [
    ("https://hooks.example.com/x", True),
    ("http://hooks.example.com/x", False),
    ("ftp://hooks.example.com/x", False),
    ("https:///x", False),
    ("https://user:pw@hooks.example.com/x", False),
    ("https://hooks.example.com:99999/x", False),
    ("http://partner.gov.cn/x", True),  # allow-listed: http allowed
    ("http://127.0.0.1:8080/x", False),  # loopback not allowed here
])
def test_webhook_url_shapes(url, ok):
    assert (POLICY.url_problem(url) is None) is ok


def test_http_to_loopback_needs_the_setting():
    for url in ("http://127.0.0.1:8080/x", "http://[::1]:8080/x", "http://localhost:8080/x"):
        assert DEV.url_problem(url) is None and POLICY.url_problem(url) is not None


@pytest.mark.parametrize(("address", "ok"), [
    ("8.8.8.8", True),
    ("2606:4700::1", True),
    ("::ffff:8.8.8.8", True),  # the IPv4 host itself
    ("2002:808:808::1", True),  # 6to4 of a public address
    ("64:ff9b::808:808", True),  # NAT64 of a public address
    ("100.100.100.200", False),  # Alibaba Cloud metadata, in the shared address space
    ("100.64.0.1", False),
    ("2002:a9fe:a9fe::", False),  # 6to4 of 169.254.169.254
    ("2002:a00:1::", False),  # 6to4 of 10.0.0.1
    ("64:ff9b::a9fe:a9fe", False),  # NAT64 of 169.254.169.254
    ("64:ff9b:1::a00:1", False),  # local-use NAT64
    ("::ffff:10.0.0.1", False),
    ("::ffff:169.254.169.254", False),
    ("::10.0.0.1", False),  # IPv4-compatible, deprecated
    ("2001::1", False),  # Teredo
    ("169.254.169.254", False),
    ("fd00:ec2::254", False),
    ("10.0.0.1", False), ("10.255.255.255", False),
    ("172.16.0.1", False), ("172.31.255.254", False),
    ("192.168.0.1", False), ("192.168.255.255", False),
    ("fc00::1", False), ("fd12:3456::1", False),
    ("fe80::1", False),
    ("0.0.0.0", False), ("::", False),
    ("224.0.0.1", False), ("239.255.255.250", False), ("ff02::1", False),
    ("255.255.255.255", False),
    ("127.0.0.1", False), ("::1", False), ("::ffff:127.0.0.1", False),
])
def test_only_globally_routable_addresses_pass(address, ok):
    assert (POLICY.addresses_problem("hooks.example.com", [address]) is None) is ok


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_loopback_passes_only_where_the_settings_allow_it(address):
    assert DEV.addresses_problem("localhost", [address]) is None
    assert POLICY.addresses_problem("localhost", [address]) is not None
    assert TargetPolicy(allowed_hosts=frozenset({"localhost"})).addresses_problem("localhost", [address])


def test_an_allow_listed_host_may_be_private_but_never_metadata_or_link_local():
    for private in ("10.0.0.5", "172.20.1.1", "192.168.1.9", "fd00::5", "100.64.3.4"):
        assert POLICY.addresses_problem("partner.gov.cn", [private]) is None
    for never in ("169.254.169.254", "100.100.100.200", "fd00:ec2::254", "fe80::1", "0.0.0.0", "224.0.0.1"):
        assert POLICY.addresses_problem("partner.gov.cn", [never]) is not None


def test_every_address_of_a_host_must_pass():
    assert POLICY.addresses_problem("hooks.example.com", ["8.8.8.8", "10.0.0.1"]) is not None
    assert POLICY.addresses_problem("hooks.example.com", []) == "hooks.example.com does not resolve"


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
