"""JWT verification: HS256 in development (the JWKS side is in tests/integration/test_tokens.py), claims of the
right types, issuer and audience, refusals that say the kind of fault only."""
import time
import warnings

import jwt
import jwt.warnings
import pytest

from shared.identity import InvalidToken, TokenVerifier, mint_token, region_of_agency

SECRET = "s" * 40


async def test_minted_token_verifies_into_a_principal():
    token = mint_token(SECRET, sub="u1", agency="440105-amr", roles=["officer", "lead"])
    principal = await TokenVerifier(secret=SECRET).verify(token)
    assert (principal.sub, principal.agency, principal.region) == ("u1", "440105-amr", "440105")
    assert principal.has_role("lead") and not principal.has_role("admin")


async def test_platform_token_carries_the_platform():
    principal = await TokenVerifier(secret=SECRET).verify(mint_token(SECRET, sub="p", roles=["platform"], platform="taobao"))
    assert (principal.platform, principal.agency, principal.region) == ("taobao", None, None)


def _hs512(claims: dict) -> str:
    """Signed with the right secret under an algorithm the verifier does not accept."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)  # the test secret is short for it
        return jwt.encode(claims, SECRET, algorithm="HS512")


@pytest.mark.parametrize("token", [
    mint_token("other" * 10, sub="u", roles=["officer"]),
    mint_token(SECRET, sub="u", roles=["officer"], ttl_seconds=-10),
    jwt.encode({"sub": "u", "roles": ["officer"]}, SECRET, algorithm="HS256"),  # no expiry
    jwt.encode({"sub": "u", "roles": ["root"], "exp": int(time.time()) + 60}, SECRET, algorithm="HS256"),
    jwt.encode({"sub": "u", "roles": "officer", "exp": int(time.time()) + 60}, SECRET, algorithm="HS256"),
    _hs512({"sub": "u", "roles": ["officer"], "exp": int(time.time()) + 60}),
    "not.a.jwt",
], ids=["wrong secret", "expired", "no exp", "unknown role", "roles not a list", "wrong algorithm", "garbage"])
async def test_bad_tokens_are_refused(token):
    with pytest.raises(InvalidToken):
        await TokenVerifier(secret=SECRET).verify(token)


async def test_a_remembered_token_is_refused_once_it_expires():
    now = [time.time()]
    verifier = TokenVerifier(secret=SECRET, clock=lambda: now[0])
    token = mint_token(SECRET, sub="u1", roles=["officer"], ttl_seconds=60)
    assert (await verifier.verify(token)).sub == "u1"
    now[0] += 59
    assert (await verifier.verify(token)).sub == "u1"
    now[0] += 2
    with pytest.raises(InvalidToken, match="expired"):
        await verifier.verify(token)


async def test_the_verifier_remembers_a_bounded_number_of_tokens():
    verifier = TokenVerifier(secret=SECRET, remembered=3)
    tokens = [mint_token(SECRET, sub=f"u{i}", roles=["officer"]) for i in range(5)]
    assert [(await verifier.verify(t)).sub for t in tokens] == [f"u{i}" for i in range(5)]
    verifier.secret = "rotated" * 6  # what is remembered passes; the oldest two were forgotten and are checked
    assert [(await verifier.verify(t)).sub for t in tokens[2:]] == ["u2", "u3", "u4"]
    for forgotten in tokens[:2]:
        with pytest.raises(InvalidToken):
            await verifier.verify(forgotten)


def test_minting_refuses_unknown_roles():
    with pytest.raises(ValueError, match="unknown roles"):
        mint_token(SECRET, sub="u", roles=["superuser"])


def test_region_comes_from_the_agency_code():
    assert region_of_agency("440100-12345") == "440100"
    assert region_of_agency("taobao") is None and region_of_agency(None) is None


async def test_token_cli_mints_a_verifiable_development_token():
    import subprocess
    import sys

    from shared.settings import DEV_JWT_SECRET

    out = subprocess.run([sys.executable, "-m", "shared.cli.token", "--agency", "440100-amr", "--roles",
                          "officer,lead"], capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "JOINTSUP_JWT_SECRET": DEV_JWT_SECRET})
    principal = await TokenVerifier(secret=DEV_JWT_SECRET).verify(out.stdout.strip())
    assert principal.agency == "440100-amr" and principal.roles == {"officer", "lead"}


def _signed(claims: dict) -> str:
    """Made when the tests are collected, so valid long after (a whole run may come between)."""
    return jwt.encode({"exp": int(time.time()) + 86400, **claims}, SECRET, algorithm="HS256")


@pytest.mark.parametrize(("claims", "wrong"), [
    ({"sub": "u", "agency": ["440100-amr"]}, "agency"),
    ({"sub": "u", "region": 440100}, "region"),
    ({"sub": "u", "platform": ["taobao"]}, "platform"),
    ({"sub": "u", "roles": [["officer"]]}, "roles"),
    ({"sub": "u", "agency": {"code": "440100-amr"}, "region": True}, "agency, region"),
    ({"sub": "u", "exp": str(int(time.time()) + 86400)}, "exp"),
])
async def test_claims_of_the_wrong_type_are_refused_by_name(claims, wrong):
    with pytest.raises(InvalidToken) as refused:
        await TokenVerifier(secret=SECRET).verify(_signed(claims))
    assert str(refused.value) == f"malformed claims: {wrong}"


@pytest.mark.parametrize(("token", "reason"), [
    (mint_token(SECRET, sub="u", roles=["officer"], ttl_seconds=-10), "expired"),
    (mint_token("other" * 10, sub="u", roles=["officer"]), "bad signature"),
    (_hs512({"sub": "u", "exp": int(time.time()) + 60}), "algorithm not allowed"),
    ("not.a.jwt", "malformed"),
    ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOnt9fQ.x", "malformed"),
    (jwt.encode({"sub": "u"}, SECRET, algorithm="HS256"), "missing claim exp"),
    (_signed({"sub": {"id": 1}}), "malformed claims: sub"),
    (_signed({"sub": "u", "nbf": int(time.time()) + 3600}), "not valid yet"),
])
async def test_a_refusal_says_the_kind_of_fault_and_no_more(token, reason):
    with pytest.raises(InvalidToken) as refused:
        await TokenVerifier(secret=SECRET).verify(token)
    assert str(refused.value) == reason


async def test_issuer_and_audience_are_checked_when_set():
    verifier = TokenVerifier(secret=SECRET, issuer="https://idp.example.gov.cn", audience="jointsup")
    good = mint_token(SECRET, sub="u", roles=["officer"], issuer="https://idp.example.gov.cn", audience="jointsup")
    assert (await verifier.verify(good)).sub == "u"
    refused = {}
    for name, token in {
        "wrong issuer": mint_token(SECRET, sub="u", roles=[], issuer="https://evil.example", audience="jointsup"),
        "missing claim iss": mint_token(SECRET, sub="u", roles=[], audience="jointsup"),
        "wrong audience": mint_token(SECRET, sub="u", roles=[], issuer="https://idp.example.gov.cn", audience="x"),
        "missing claim aud": mint_token(SECRET, sub="u", roles=[], issuer="https://idp.example.gov.cn"),
    }.items():
        with pytest.raises(InvalidToken) as error:
            await verifier.verify(token)
        refused[name] = str(error.value)
    assert refused == {name: name for name in refused}


async def test_without_an_audience_set_a_token_carrying_one_is_accepted():
    token = mint_token(SECRET, sub="u", roles=["officer"], audience="jointsup")
    assert (await TokenVerifier(secret=SECRET).verify(token)).sub == "u"


async def test_token_cli_sets_issuer_and_audience():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "shared.cli.token", "--roles", "service", "--audience", "js"],
                         capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "JOINTSUP_JWT_SECRET": SECRET, "JOINTSUP_JWT_ISSUER": "idp"})
    principal = await TokenVerifier(secret=SECRET, issuer="idp", audience="js").verify(out.stdout.strip())
    assert principal.roles == {"service"}


async def test_notify_mints_its_service_token_for_the_configured_issuer_and_audience():
    from services.notify.channels import Contacts
    from services.notify.settings import NotifySettings

    settings = NotifySettings(jwt_secret=SECRET, jwt_issuer="idp", jwt_audience="jointsup")
    token = Contacts(settings, client=None)._token()
    assert (await TokenVerifier(secret=SECRET, issuer="idp", audience="jointsup").verify(token)).is_service
