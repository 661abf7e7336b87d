"""JWT verification: HS256 in development, RS256 from a JWKS URL."""
import json
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import jwt.warnings
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.identity import InvalidToken, TokenVerifier, mint_token, region_of_agency

SECRET = "s" * 40


def test_minted_token_verifies_into_a_principal():
    token = mint_token(SECRET, sub="u1", agency="440105-amr", roles=["officer", "lead"])
    principal = TokenVerifier(secret=SECRET).verify(token)
    assert (principal.sub, principal.agency, principal.region) == ("u1", "440105-amr", "440105")
    assert principal.has_role("lead") and not principal.has_role("admin")


def test_platform_token_carries_the_platform():
    principal = TokenVerifier(secret=SECRET).verify(mint_token(SECRET, sub="p", roles=["platform"], platform="taobao"))
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
def test_bad_tokens_are_refused(token):
    with pytest.raises(InvalidToken):
        TokenVerifier(secret=SECRET).verify(token)


def test_a_remembered_token_is_refused_once_it_expires():
    now = [time.time()]
    verifier = TokenVerifier(secret=SECRET, clock=lambda: now[0])
    token = mint_token(SECRET, sub="u1", roles=["officer"], ttl_seconds=60)
    assert verifier.verify(token).sub == "u1"
    now[0] += 59
    assert verifier.verify(token).sub == "u1"
    now[0] += 2
    with pytest.raises(InvalidToken, match="expired"):
        verifier.verify(token)


def test_the_verifier_remembers_a_bounded_number_of_tokens():
    verifier = TokenVerifier(secret=SECRET, remembered=3)
    tokens = [mint_token(SECRET, sub=f"u{i}", roles=["officer"]) for i in range(5)]
    assert [verifier.verify(t).sub for t in tokens] == [f"u{i}" for i in range(5)]
    verifier.secret = "rotated" * 6  # what is remembered passes; the oldest two were forgotten and are checked
    assert [verifier.verify(t).sub for t in tokens[2:]] == ["u2", "u3", "u4"]
    for forgotten in tokens[:2]:
        with pytest.raises(InvalidToken):
            verifier.verify(forgotten)


def test_minting_refuses_unknown_roles():
    with pytest.raises(ValueError, match="unknown roles"):
        mint_token(SECRET, sub="u", roles=["superuser"])


def test_region_comes_from_the_agency_code():
    assert region_of_agency("440100-12345") == "440100"
    assert region_of_agency("taobao") is None and region_of_agency(None) is None


@pytest.fixture
def jwks_server():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield key, f"http://127.0.0.1:{server.server_port}/jwks.json"
    server.shutdown()


def test_rs256_tokens_verify_against_a_jwks_url(jwks_server):
    key, url = jwks_server
    claims = {"sub": "u", "agency": "440100-psb", "roles": ["officer"], "exp": int(time.time()) + 60}
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
    verifier = TokenVerifier(secret=None, jwks_url=url)
    assert verifier.verify(token).agency == "440100-psb"
    with pytest.raises(InvalidToken):
        verifier.verify(mint_token(SECRET, sub="u", roles=["officer"]))  # HS256 is not accepted in JWKS mode


def test_token_cli_mints_a_verifiable_development_token():
    import subprocess
    import sys

    from shared.settings import DEV_JWT_SECRET

    out = subprocess.run([sys.executable, "-m", "shared.identity.mint", "--agency", "440100-amr", "--roles",
                          "officer,lead"], capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "JOINTSUP_JWT_SECRET": DEV_JWT_SECRET})
    principal = TokenVerifier(secret=DEV_JWT_SECRET).verify(out.stdout.strip())
    assert principal.agency == "440100-amr" and principal.roles == {"officer", "lead"}
