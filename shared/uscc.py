"""Unified Social Credit Code (统一社会信用代码, GB 32100-2015): validation and construction."""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # values 0-30; no I, O, S, V, Z
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_DIGITS = "0123456789"
_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, ... 28
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]  # GB 11714 organisation code, over positions 9-16


class InvalidUSCC(ValueError):
    """The code breaks GB 32100-2015; the message says where."""


def uscc_check_char(first17: str) -> str:
    """Position 18, computed from positions 1-17."""
    first17 = first17.upper()
    if len(first17) != 17 or any(c not in _VALUE for c in first17):
        raise InvalidUSCC(f"need 17 characters of the USCC alphabet, got {first17!r}")
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def org_check_char(body8: str) -> str:
    """Position 17: the GB 11714 organisation code check over positions 9-16."""
    # GB 11714 values letters A=10 ... Z=35 (base 36), not by their index in the USCC alphabet.
    total = sum(int(c, 36) * w for c, w in zip(body8, _ORG_WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def _normalise(code: str) -> str:
    return code.strip().upper()


def validate_uscc(code: str, exceptions: frozenset[str] | set[str] = frozenset()) -> str:
    """The normalised code, or InvalidUSCC saying what is wrong; listed exceptions pass unchecked."""
    code = _normalise(code)
    if code in exceptions or any(_normalise(e) == code for e in exceptions):
        return code
    if len(code) != 18:
        raise InvalidUSCC(f"must be 18 characters, got {len(code)}")
    for position, char in enumerate(code, start=1):
        if char not in _VALUE:
            raise InvalidUSCC(f"character {char!r} at position {position} is not allowed (no I, O, S, V, Z)")
        if 3 <= position <= 8 and char not in _DIGITS:
            raise InvalidUSCC(f"character {char!r} at position {position} must be a digit "
                              "(positions 3-8 are the GB/T 2260 region)")
    expected = org_check_char(code[8:16])
    if code[16] != expected:
        raise InvalidUSCC(f"organisation code check at position 17 should be {expected!r}, got {code[16]!r}")
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise InvalidUSCC(f"check character at position 18 should be {expected!r}, got {code[17]!r}")
    return code


def is_valid_uscc(code: str, exceptions: frozenset[str] | set[str] = frozenset()) -> bool:
    """Whether validate_uscc accepts the code."""
    try:
        validate_uscc(code, exceptions)
    except InvalidUSCC:
        return False
    return True


def uscc_region(code: str) -> str:
    """The GB/T 2260 region of registration (positions 3-8)."""
    return _normalise(code)[2:8]


def make_uscc(region: str, org_code8: str, registration: str = "9", category: str = "1") -> str:
    """A valid code from a 6-digit region and an 8-character organisation body (positions 9-16)."""
    head, body = (registration + category).upper(), org_code8.upper()
    if len(registration) != 1 or len(category) != 1 or any(c not in _VALUE for c in head):
        raise ValueError(f"registration and category must be one alphabet character each, got {head!r}")
    if len(region) != 6 or any(c not in _DIGITS for c in region):
        raise ValueError(f"region must be 6 digits, got {region!r}")
    if len(body) != 8 or any(c not in _VALUE for c in body):
        raise ValueError(f"org_code8 must be 8 characters of the USCC alphabet, got {org_code8!r}")
    first17 = f"{head}{region}{body}{org_check_char(body)}"
    return first17 + uscc_check_char(first17)
