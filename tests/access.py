"""The access matrix (issue 8, drill 7): every route of a service against every kind of caller, each answered
2xx, 401, 403 or 404 as the contract says (or, for a caller let through, the 409 or 422 of the state it finds).

A service's test module lists one `Row` per route of its OpenAPI (`assert_every_route_listed` keeps it so) and
checks each with `statuses` in a `Scene`. A route that changes what it is called on makes fresh resources for each
caller (`fresh`), so one caller's success never decides what the next one sees.
"""
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support import INTAKE, auth, officer

# The callers the issue names, and the contract's two other roles. The owning agency is Haizhu market regulation
# (440105-amr), whose region the Guangzhou lead office oversees and Hangzhou's does not; the intake centre is
# Guangzhou's 12345 hotline; the platform is Taobao.
OWNER, OTHER, LEAD, LEAD_OTHER, PLATFORM = "440105-amr", "440106-amr", "440100-amr", "330100-amr", "taobao"
CALLERS = {
    "public": {},
    "intake": auth(**INTAKE),
    "owner": officer(OWNER),
    "other": officer(OTHER),
    "lead": officer(LEAD, "officer", "lead"),
    "lead_other": officer(LEAD_OTHER, "officer", "lead"),
    "platform": auth(roles=["platform"], platform=PLATFORM),
    "service": auth(roles=["service"]),  # another jointsup service (notify asking complaints for a contact)
    "admin": auth(agency="440000-amr", roles=["admin"]),
}
Resources = dict[str, Any]


@dataclass(frozen=True)
class Scene:
    """What a service's rows run in: the running system, a client of the service, and the resources the rows
    share (filled once per module)."""

    system: Any
    client: httpx.AsyncClient
    shared: Resources = field(default_factory=dict)

    async def post(self, path: str, body: dict | None = None, *, headers: dict, status: int = 200) -> dict:
        """Make something through the API, as `headers` may; the answer it must give is `status`."""
        response = await self.client.post(path, json=body, headers=headers)
        assert response.status_code == status, response.text
        return response.json()


@dataclass(frozen=True)
class Row:
    """One route, and what each caller gets from it."""

    method: str
    path: str  # the OpenAPI path template; resources fill its parameters
    expected: dict[str, int]
    body: dict | Callable[[Resources], dict] | None = None  # JSON
    form: dict | None = None  # form-encoded instead (Open311)
    query: dict = field(default_factory=dict)
    fresh: Callable[[Scene], Awaitable[Resources]] | None = None  # resources made anew for each caller
    problems: bool = True  # refusals are problem+json (Open311 answers in its own error format)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def expect(public: int, intake: int, owner: int, other: int, lead: int, lead_other: int, platform: int,
           service: int, admin: int) -> dict[str, int]:
    """The statuses in the order of CALLERS."""
    return dict(public=public, intake=intake, owner=owner, other=other, lead=lead, lead_other=lead_other,
                platform=platform, service=service, admin=admin)


def anyone(status: int) -> dict[str, int]:
    """A public route: the same for every caller."""
    return dict.fromkeys(CALLERS, status)


def signed_in(status: int, **refused: int) -> dict[str, int]:
    """`status` for every caller with a token, 401 without one, and the exceptions named."""
    return {**anyone(status), "public": 401, **refused}


async def statuses(scene: Scene, row: Row) -> dict[str, int]:
    """What each caller gets; every refusal must be problem+json."""
    got = {}
    for caller, headers in CALLERS.items():
        resources = await row.fresh(scene) if row.fresh else scene.shared
        body = row.body(resources) if callable(row.body) else row.body
        response = await scene.client.request(row.method, row.path.format(**resources), json=body, data=row.form,
                                        params=row.query, headers=headers)
        got[caller] = response.status_code
        if response.status_code >= 400 and row.problems:
            assert response.headers["content-type"] == "application/problem+json", (caller, response.text)
    return got


def assert_every_route_listed(openapi: dict, rows: list[Row]) -> None:
    """Each operation of the service's OpenAPI has exactly one row, and each row is an operation."""
    operations = {f"{method.upper()} {path}" for path, methods in openapi["paths"].items() for method in methods}
    listed = [row.id for row in rows]
    assert len(listed) == len(set(listed)), "a route is listed twice"
    assert set(listed) == operations, {"without a row": operations - set(listed),
                                       "not a route": set(listed) - operations}
