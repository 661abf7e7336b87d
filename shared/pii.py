"""Personal data: field encryption at rest (Fernet), keyed hashes for counting, masks for display."""
import hashlib
import hmac
import json
import re
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class PiiCipher:
    """The first key encrypts, every key decrypts (rotation: put the new key first, then `rotate`)."""

    def __init__(self, keys: list[str]):
        if not keys:
            raise ValueError("at least one Fernet key is required (JOINTSUP_FERNET_KEYS)")
        try:
            self._fernet = MultiFernet([Fernet(k) for k in keys])
        except (ValueError, TypeError):
            raise ValueError("a Fernet key is malformed: each must be 32 url-safe base64-encoded bytes") from None

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError("cannot decrypt: no configured key matches this value") from None

    def encrypt_json(self, obj: Any) -> str:
        return self.encrypt(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))

    def decrypt_json(self, token: str) -> Any:
        return json.loads(self.decrypt(token))

    def rotate(self, token: str) -> str:
        """Re-encrypt under the first (newest) key."""
        return self._fernet.rotate(token.encode()).decode()


class KeyedHasher:
    """HMAC-SHA256 of normalised values: counts the same person without storing who they are."""

    def __init__(self, key: str | bytes):
        self._key = key.encode() if isinstance(key, str) else key

    def hash(self, kind: str, value: str) -> str:
        normalised = _normalise(kind, value)
        return hmac.new(self._key, f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()


def _normalise(kind: str, value: str) -> str:
    value = re.sub(r"\s+", "", value).upper()
    if kind == "phone":
        digits = re.sub(r"\D", "", value)
        return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits
    return value


def mask_phone(phone: str | None) -> str | None:
    """13800138000 → 138****8000."""
    if not phone:
        return phone
    if len(phone) >= 8:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * max(len(phone) - 2, 0) + phone[-2:]


def mask_name(name: str | None) -> str | None:
    """张三 → 张*; John Smith → J*** S****."""
    if not name:
        return name
    if name.isascii():
        return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split())
    return name[0] + "*" * (len(name) - 1)


def mask_email(email: str | None) -> str | None:
    """alice@example.com → a****@example.com."""
    if not email or "@" not in email:
        return email
    local, domain = email.split("@", 1)
    return local[0] + "*" * max(len(local) - 1, 1) + "@" + domain


def mask_id_number(id_number: str | None) -> str | None:
    """440105199001011234 → 440105********1234."""
    if not id_number:
        return id_number
    if len(id_number) <= 10:
        return "*" * (len(id_number) - 2) + id_number[-2:]
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


_MASKS = {"name": mask_name, "phone": mask_phone, "email": mask_email, "id_number": mask_id_number}


def mask_contact(contact: dict | None) -> dict | None:
    """Mask every personal field of a complainant's contact, leave the rest."""
    if contact is None:
        return None
    return {k: _MASKS[k](v) if k in _MASKS else v for k, v in contact.items()}
