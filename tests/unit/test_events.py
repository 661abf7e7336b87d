"""CloudEvents envelope and the event catalogue."""
import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from shared.events import CATALOGUE, InvalidEvent, decode, encode, spec_for, topics
from shared.events.payloads.complaints import ComplaintRouted

CONTRACT = Path(__file__).parents[3] / "shared" / "CONTRACT.md"
PERSONAL_FIELDS = {"name", "phone", "email", "id_number", "complainant", "contact", "address"}


def test_encode_decode_round_trip_in_structured_mode():
    data = {"complaint_id": "c1", "category": "food_safety", "region": "440105", "lead_agency": "440105-amr",
            "co_agencies": [], "due_at": "2025-10-16T15:59:59Z"}
    encoded = encode(type="complaint.routed", source="/jointsup/complaints", subject="c1", data=data)
    assert encoded.key == "c1" and encoded.type == "jointsup.complaint.routed"
    assert encoded.headers == {"content-type": b"application/cloudevents+json"}
    event = decode(encoded.value, encoded.headers)
    assert (event.id, event.type, event.subject, event.short_type) == (
        encoded.id, "jointsup.complaint.routed", "c1", "complaint.routed")
    assert ComplaintRouted.model_validate(event.data).lead_agency == "440105-amr"


@pytest.mark.parametrize("value", [b"", b"garbage", b"[]", b'{"specversion": "1.0"}', None])
def test_anything_else_is_an_invalid_event(value):
    with pytest.raises(InvalidEvent):
        decode(value, {"content-type": b"application/cloudevents+json"})


def test_every_contract_event_type_is_catalogued_with_its_topic():
    if not CONTRACT.exists():
        pytest.skip("shared/CONTRACT.md is not beside the repository")
    section = CONTRACT.read_text().split("Types (first version")[1].split("## HTTP")[0]
    contract_types = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", section))
    assert contract_types and contract_types <= set(CATALOGUE)
    prefixes = {"complaint": topics.COMPLAINTS, "complainant": topics.COMPLAINTS, "case": topics.CASES,
                "clue": topics.CASES, "referral": topics.CASES, "assist": topics.CASES,
                "joint_action": topics.CASES, "credit": topics.CREDIT, "inspection": topics.CREDIT,
                "notification": topics.NOTIFY}
    for event_type, spec in CATALOGUE.items():
        assert spec.topic == prefixes[event_type.split(".")[0]], event_type


def _field_names(model: type[BaseModel]) -> set[str]:
    names = set()
    for name, field in model.model_fields.items():
        names.add(name)
        annotation = field.annotation
        for arg in getattr(annotation, "__args__", ()) + (annotation,):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                names |= _field_names(arg)
    return names


@pytest.mark.parametrize("event_type", sorted(CATALOGUE))
def test_no_payload_can_carry_personal_data(event_type):
    payload = spec_for(event_type).payload
    nested = _field_names(payload) - set(payload.model_fields)
    assert not set(payload.model_fields) & PERSONAL_FIELDS
    assert not nested & (PERSONAL_FIELDS - {"name"})  # SubjectRef.name names a business


def test_subject_name_is_a_business_not_a_person():
    # SubjectRef.name is the market subject's name; "name" at the top level of a payload is forbidden above.
    assert "name" in spec_for("complaint.received").payload.model_fields["subject"].annotation.model_fields
