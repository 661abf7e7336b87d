"""What the fuzzing runs against: a drill's load, and one of each thing the officers make from it, so that
schemathesis reaches the handlers behind a real id as well as the 404 of a made-up one. Each id goes into the
dictionary of its path parameter (schemathesis.toml), which the fuzzer draws from most of the time."""
import asyncio
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx

from drills.fuzz_hooks import OPEN311_KEY
from harness.load import CLUSTER_SIZE, LEAD, clusters_in, escalated, load
from shared.identity import mint_token
from shared.settings import DEV_JWT_SECRET

COMPLAINTS = 30
PLATFORM = "taobao"
PARTNER = "440100-tax"  # receives the referral, the assist and a joint task
DRAWN = 0.8  # how often a path parameter takes a seeded id rather than a generated value
STACK = {"NOTIFY_RETRY_SCHEDULE": "0,0.5"}  # the stack fuzzed: a delivery to a dead endpoint fails for good at once


def _officer(agency: str, *roles: str) -> dict:
    token = mint_token(DEV_JWT_SECRET, sub=f"seed-{agency}", agency=agency, roles=list(roles or ["officer"]))
    return {"Authorization": f"Bearer {token}"}


LEAD_OFFICE = _officer(LEAD, "officer", "lead")
CAC = _officer("440100-cac")


def _ok(response: httpx.Response) -> dict | list:
    if response.status_code >= 300:
        raise RuntimeError(f"seeding the fuzzing: {response.request.method} {response.request.url} answered "
                           f"{response.status_code} {response.text}")
    return response.json()


async def _eventually(client: httpx.AsyncClient, path: str, ready: Callable[[dict | list], bool]) -> dict | list:
    """What `path` answers once `ready` holds of it: it fills from events, so wait for them to be consumed
    (a 404 is an aggregate not known yet)."""
    for _ in range(120):
        response = await client.get(path, headers=LEAD_OFFICE)
        if response.status_code != 404 and ready(found := _ok(response)):
            return found
        await asyncio.sleep(0.5)
    raise RuntimeError(f"seeding the fuzzing: {client.base_url}{path} never had what was expected")


async def seed(s) -> dict[str, list]:
    """Ids by path parameter: complaints (some forwarded to a platform), a complainant flag, clues, cases (one
    decided), a referral, an assist and a joint task for the partner agency, credit records, proposals, a repair
    request, an inspection draw and the flagged complainant's credit, subjects, inbox items, a webhook
    subscription and its failed deliveries (the stack retries quickly: `STACK`)."""
    ids = await load(s, COMPLAINTS, rate=100)
    clustered = ids[:clusters_in(COMPLAINTS) * CLUSTER_SIZE]
    plain = [i for i in ids[len(clustered):] if i not in escalated(ids)]
    async with httpx.AsyncClient(base_url=s.url("complaints"), timeout=30) as complaints:
        for complaint_id in plain[:3]:
            _ok(await complaints.post(f"/v1/complaints/{complaint_id}/forward", json={"platform": PLATFORM},
                                      headers=LEAD_OFFICE))
        flag = _ok(await complaints.post(f"/v1/complaints/{plain[3]}/complainant-flag",
                                         json={"reason": "演练：批量索赔"}, headers=LEAD_OFFICE))
    async with httpx.AsyncClient(base_url=s.url("notify"), timeout=30) as notify:
        # before the cases and credit are seeded: their events become deliveries that fail for good
        subscription = _ok(await notify.post("/v1/subscriptions", json={
            "url": "http://127.0.0.1:9/jointsup-fuzz", "event_types": ["*"]}, headers=LEAD_OFFICE))
    async with httpx.AsyncClient(base_url=s.url("cases"), timeout=30) as cases:
        seeded = await _seed_cases(cases, expected_clues=clusters_in(COMPLAINTS) + len(escalated(ids)))
    async with httpx.AsyncClient(base_url=s.url("credit"), timeout=30) as credit:
        seeded |= await _seed_credit(credit, seeded.pop("decided_uscc"), flag["complainant_key"])
    async with httpx.AsyncClient(base_url=s.url("notify"), timeout=30) as notify:
        items = (await _eventually(notify, "/v1/inbox", lambda page: page["items"]))["items"]
        failed = await _eventually(notify, "/v1/deliveries?status=failed", lambda deliveries: deliveries)
    complaint_ids = clustered + plain[:5] + escalated(ids)[:2]
    return {"complaint_id": complaint_ids, "request_id": complaint_ids, **seeded,  # Open311 names them requests
            "flag_id": [flag["id"]], "item_id": [item["id"] for item in items[:10]],
            "subscription_id": [subscription["id"]], "delivery_id": [d["id"] for d in failed[:10]]}


async def _seed_cases(cases: httpx.AsyncClient, *, expected_clues: int) -> dict[str, list]:
    """Three of the load's clues filed as cases: one decided (a serious penalty, so credit proposes listing),
    one referred to and assisted by the partner agency, one with a joint action."""
    clues = await _eventually(cases, "/v1/clues", lambda clues: len(clues) >= expected_clues)
    filed = [_ok(await cases.post(f"/v1/clues/{clue['id']}/verification", json={"decision": "file"},
                                        headers=LEAD_OFFICE)) for clue in clues[:3]]
    referred, joint, decided = (clue["case_id"] for clue in filed)
    referral = _ok(await cases.post(f"/v1/cases/{referred}/referrals", json={
        "to_agency": PARTNER, "kind": "function", "reason": "演练：移送"}, headers=LEAD_OFFICE))
    assist = _ok(await cases.post(f"/v1/cases/{referred}/assists", json={
        "to_agency": PARTNER, "request": "调取网店交易记录"}, headers=LEAD_OFFICE))
    action = _ok(await cases.post(f"/v1/cases/{joint}/joint-actions", json={
        "participants": ["440100-cac", PARTNER],
        "tasks": [{"agency": "440100-cac", "title": "清理网店违法信息"}, {"agency": PARTNER, "title": "核查涉税情况"}]},
        headers=LEAD_OFFICE))
    _ok(await cases.post(f"/v1/joint-actions/{action['id']}/consultations", json={
        "held_on": date.today().isoformat(), "attendees": [LEAD, "440100-cac", PARTNER], "conclusions": "分工协作"},
        headers=CAC))
    _ok(await cases.post(f"/v1/cases/{decided}/decision", json={
        "outcome": "penalty", "measures": ["fine"], "fine_amount": "2000000.00", "legal_basis": "《食品安全法》",
        "subjective_intent": True}, headers=LEAD_OFFICE))
    return {"clue_id": [clue["id"] for clue in clues], "case_id": [referred, joint, decided],
            "referral_id": [referral["id"]], "assist_id": [assist["id"]], "action_id": [action["id"]],
            "task_id": [task["id"] for task in action["tasks"]],
            "uscc": list({clue["subject"]["uscc"]: None for clue in clues}),
            "decided_uscc": filed[2]["subject"]["uscc"]}


async def _seed_credit(credit: httpx.AsyncClient, uscc: str, complainant_key: str) -> dict[str, list]:
    """The decided subject's credit records, the listing proposal credit made of its penalty, a repair request of
    that penalty, a draw over the lead agency's region, and the flagged complainant's record. (No sanction: a
    listing waits out a hearing period that ends on a later day.)"""
    profile = await _eventually(credit, f"/v1/subjects/{uscc}", lambda profile: profile["proposals"])
    penalty = next(record for record in profile["records"] if record["kind"] == "penalty")
    repair = _ok(await credit.post(f"/v1/subjects/{uscc}/repairs", json={
        "record_id": penalty["id"], "reason": "演练：已整改", "obligations_met": True, "commitment": True},
        headers=LEAD_OFFICE))
    draw = _ok(await credit.post("/v1/inspection-draws", json={
        "seed": "fuzz", "inspectors": ["insp-1", "insp-2"], "inspectors_per_subject": 1}, headers=LEAD_OFFICE))
    await _eventually(credit, f"/v1/complainants/{complainant_key}", lambda records: records)
    return {"record_id": [record["id"] for record in profile["records"]],
            "proposal_id": [proposal["id"] for proposal in profile["proposals"]],
            "repair_id": [repair["id"]], "draw_id": [draw["id"]], "complainant_key": [complainant_key]}


def write_config(seeded: dict[str, list], path: Path) -> Path:
    """A schemathesis.toml that draws each seeded path parameter from its ids, and Open311's api_key query
    parameter from the development key the stack runs with (its form body gets the key from drills/fuzz_hooks.py:
    schemathesis 4.32 does not bind a form field from the configuration)."""
    bindings = {f"path.{name}": values for name, values in seeded.items()}
    bindings["query.api_key"] = [OPEN311_KEY]
    lines = []
    for key, values in bindings.items():
        lines += [f"[dictionaries.{key.replace('.', '_')}]", f"values = {json.dumps(values)}", ""]
    lines.append("[parameters]")
    lines += [f'"{key}" = {{ dictionary = "{key.replace(".", "_")}", probability = {DRAWN} }}' for key in bindings]
    path.write_text("\n".join(lines) + "\n")
    return path
