"""Standard Webhooks signatures: `v1,<base64 HMAC-SHA256 of id.timestamp.body>`, secrets `whsec_<base64>`."""
import base64
import hashlib
import hmac
import secrets as _secrets

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(_secrets.token_bytes(24)).decode()


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """One signature per valid secret, space-separated: during a rotation both old and new sign."""
    return " ".join(signature(s, msg_id, timestamp, body) for s in secrets)
