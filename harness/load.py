"""A load for drills, benchmarks and tests: complaints about food safety in Haizhu (lead agency 440105-amr),
each from a complainant of its own. The first come five to a merchant (the cluster threshold the services run
with), so each five make a cluster: an alert, then one clue in cases (打早打小). The others are about a merchant
of their own. Every tenth is accepted and escalated by the lead agency: a clue of its own, and a notification in
the lead agency's inbox."""
import asyncio
import uuid

import httpx

from services.complaints.settings import ComplaintsSettings
from shared.identity import mint_token
from shared.settings import DEV_JWT_SECRET
from shared.uscc import make_uscc

# A benchmark or a drill drives its load from one address as a handful of callers, far faster than any one
# client may (by default 20 requests/s per address on the public routes, 200/s per caller on the API): it
# raises the limits through the settings a deployment would use. Keys are the settings' environment names,
# which the settings classes also take as arguments.
LOAD_RATE_LIMITS = {"JOINTSUP_RATE_LIMIT_PUBLIC": "1000000 per second",
                    "JOINTSUP_RATE_LIMIT_PRINCIPAL": "1000000 per second"}
LEAD = "440105-amr"
CLUSTER_SIZE = ComplaintsSettings.model_fields["cluster_threshold"].default
ESCALATE_EVERY = 10


def clusters_in(n: int) -> int:
    """Clusters in a load of `n`: one for every 30 complaints, and at least one once there are enough."""
    return max(1, n // 30) if n >= CLUSTER_SIZE else 0


def clustered_merchants(n: int) -> list[str]:
    return [make_uscc("440105", f"C{m:07d}") for m in range(clusters_in(n))]


def escalated(ids: list[str]) -> list[str]:
    """The complaints of a load (in the order posted) that its lead agency escalated."""
    return ids[ESCALATE_EVERY - 1::ESCALATE_EVERY]


def intake_token() -> str:
    return mint_token(DEV_JWT_SECRET, sub="drill", agency="440100-12345", roles=["intake"])


def officer_token() -> str:
    return mint_token(DEV_JWT_SECRET, sub="drill-officer", agency=LEAD, roles=["officer"])


def complaint_body(i: int, merchant: str | None = None) -> dict:
    """Complaint `i`: its own complainant, and its own merchant unless `merchant` is given."""
    return {"kind": "complaint", "channel": "web", "external_ref": f"drill-{uuid.uuid4().hex}",
            "complainant": {"name": "王五", "phone": f"137{i:08d}"},
            "subject": {"uscc": merchant or make_uscc("440105", f"D{i:07d}"), "region": "440105"},
            "category": "food_safety", "description": "外卖食品变质"}


async def load(s, n: int, *, rate: float = 50.0) -> list[str]:
    """Post `n` complaints one after another, about `rate` per second, escalating every tenth; their ids."""
    ids = []
    clustered = clustered_merchants(n)
    async with httpx.AsyncClient(base_url=s.url("complaints"), timeout=30) as client:
        intake, officer = {"Authorization": f"Bearer {intake_token()}"}, {"Authorization": f"Bearer {officer_token()}"}
        for i in range(n):
            merchant = clustered[i // CLUSTER_SIZE] if i < len(clustered) * CLUSTER_SIZE else None
            ids.append((await _call(client, "/v1/complaints", complaint_body(i, merchant), intake))["id"])
            if i % ESCALATE_EVERY == ESCALATE_EVERY - 1:
                path = f"/v1/complaints/{ids[-1]}"
                await _call(client, f"{path}/acceptance", {"decision": "accept"}, officer, done_if="mediating")
                await _call(client, f"{path}/escalate", {"reason": "演练：移交立案"}, officer, done_if="escalated")
            await asyncio.sleep(1 / rate)
    return ids


async def _call(client: httpx.AsyncClient, path: str, body: dict, headers: dict, *,
                done_if: str | None = None) -> dict:
    """POST until it is answered: a restarting process or database is waited for. Intake keeps working while the
    broker is away, and a retried complaint has the same external_ref, so it never makes a second one; a retried
    step whose first try went through is refused as a conflict with the complaint in `done_if` already."""
    for _ in range(60):
        try:
            response = await client.post(path, json=body, headers=headers)
            if response.status_code in (200, 201):
                return response.json()
            if response.status_code == 409 and done_if and response.json().get("status_now") == done_if:
                return response.json()
            if response.status_code < 500:
                raise RuntimeError(f"{path} refused a drill's request: {response.status_code} {response.text}")
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.5)
    raise RuntimeError(f"{path} did not answer for 30 s")
