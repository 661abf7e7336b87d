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
        fernets = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key))
            except (ValueError, TypeError):  # never echo the key itself
                raise ValueError(f"Fernet key #{position} of {len(keys)} is malformed: "
                                 "each must be 32 url-safe base64-encoded bytes") from None
        self._fernet = MultiFernet(fernets)

    @staticmethod
    def generate_key() -> str:
        """A fresh random Fernet key."""
        return Fernet.generate_key().decode()

    def encrypt(self, text: str) -> str:
        """Encrypt under the first key."""
        return self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Decrypt with whichever configured key matches."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError("cannot decrypt: no configured key matches this value, or it was altered") from None

    def encrypt_json(self, obj: Any) -> str:
        """Encrypt a JSON-serialisable value."""
        return self.encrypt(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))

    def decrypt_json(self, token: str) -> Any:
        """Decrypt a value stored by `encrypt_json`."""
        return json.loads(self.decrypt(token))

    def rotate(self, token: str) -> str:
        """Re-encrypt under the first (newest) key."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise ValueError("cannot rotate: no configured key matches this value, or it was altered") from None


class KeyedHasher:
    """HMAC-SHA256 of normalised values: counts the same person without storing who they are."""

    def __init__(self, key: str | bytes):
        if not key:
            raise ValueError("the hash key must not be empty (JOINTSUP_HASH_KEY)")
        self._key = key.encode() if isinstance(key, str) else key

    def hash(self, kind: str, value: str) -> str:
        """Hex HMAC of `kind:normalised value`; the kind keeps equal values of different kinds apart."""
        message = f"{kind}:{normalise(kind, value)}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


def normalise(kind: str, value: str) -> str:
    """Whitespace removed and upper-cased; a phone keeps its digits without the +86 / 0086 prefix."""
    value = re.sub(r"\s+", "", value).upper()
    if kind != "phone":
        return value
    digits = re.sub(r"\D", "", value)
    if len(digits) == 13 and digits.startswith("86"):
        return digits[2:]
    if len(digits) == 15 and digits.startswith("0086"):
        return digits[4:]
    return digits


def mask_phone(phone: str | None) -> str | None:
    """13800138000 → 138****8000; a short number keeps only its last 2."""
    if not phone:
        return phone
    if len(phone) >= 8:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return _last_two(phone)


def mask_name(name: str | None) -> str | None:
    """张三 → 张*, 欧阳娜娜 → 欧***, John Smith → J*** S****: each word keeps its first character."""
    if not name:
        return name
    return " ".join(w[0] + "*" * (len(w) - 1) if len(w) > 1 else "*" for w in name.split())


def mask_email(email: str | None) -> str | None:
    """alice@example.com → a****@example.com."""
    if not email:
        return email
    local, at, domain = email.partition("@")
    if not at:  # not an e-mail address: still never show it whole
        return mask_name(email.replace(" ", ""))
    masked = local[0] + "*" * (len(local) - 1) if len(local) > 1 else "*"
    return masked + "@" + domain


def mask_id_number(id_number: str | None) -> str | None:
    """440105199001011234 → 440105********1234; a short number keeps only its last 2."""
    if not id_number:
        return id_number
    if len(id_number) <= 10:
        return _last_two(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def _last_two(value: str) -> str:
    # A value of 2 characters or fewer would otherwise be shown whole.
    return "*" * (len(value) - 2) + value[-2:] if len(value) > 2 else "*" * len(value)


_MASKS = {"name": mask_name, "phone": mask_phone, "email": mask_email, "id_number": mask_id_number}


def mask_contact(contact: dict | None) -> dict | None:
    """Mask every personal field of a complainant's contact, leave the rest."""
    if contact is None:
        return None
    return {k: _MASKS[k](None if v is None else str(v)) if k in _MASKS else v for k, v in contact.items()}
