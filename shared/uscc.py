"""Unified Social Credit Code (统一社会信用代码, GB 32100-2015): validation and construction."""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, ...
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]  # GB 11714 organisation code, over positions 9-16


class InvalidUSCC(ValueError):
    """The code breaks GB 32100-2015; the message says where."""


def uscc_check_char(first17: str) -> str:
    """Position 18 from positions 1-17."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def org_check_char(body8: str) -> str:
    """Position 17: the organisation code's own check over positions 9-16 (digits, A=10 ... Z=35)."""
    total = sum(int(c, 36) * w for c, w in zip(body8, _ORG_WEIGHTS))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def validate_uscc(code: str, exceptions: frozenset[str] | set[str] = frozenset()) -> str:
    """The normalised code, or InvalidUSCC saying what is wrong; listed exceptions pass unchecked."""
    code = (code or "").strip().upper()
    if code in exceptions:
        return code
    if len(code) != 18:
        raise InvalidUSCC(f"must be 18 characters, got {len(code)}")
    for position, char in enumerate(code, start=1):
        if char not in _VALUE:
            raise InvalidUSCC(f"character {char!r} at position {position} is not allowed (no I, O, S, V, Z)")
    if not code[2:8].isdigit():
        raise InvalidUSCC("positions 3-8 must be the 6-digit GB/T 2260 region code")
    expected17 = org_check_char(code[8:16])
    if code[16] != expected17:
        raise InvalidUSCC(f"organisation code check at position 17 should be {expected17!r}, got {code[16]!r}")
    expected18 = uscc_check_char(code[:17])
    if code[17] != expected18:
        raise InvalidUSCC(f"check character at position 18 should be {expected18!r}, got {code[17]!r}")
    return code


def is_valid_uscc(code: str, exceptions: frozenset[str] | set[str] = frozenset()) -> bool:
    try:
        validate_uscc(code, exceptions)
        return True
    except InvalidUSCC:
        return False


def uscc_region(code: str) -> str:
    """The GB/T 2260 region of registration (positions 3-8)."""
    return code.strip().upper()[2:8]


def make_uscc(region: str, org_code8: str, registration: str = "9", category: str = "1") -> str:
    """A valid code from a region and an 8-character organisation body (for test data and generators)."""
    body = org_code8.upper()
    if len(region) != 6 or not region.isdigit() or len(body) != 8 or any(c not in _VALUE for c in body):
        raise ValueError("region must be 6 digits and org_code8 8 characters of the USCC alphabet")
    first17 = f"{registration}{category}{region}{body}{org_check_char(body)}"
    return first17 + uscc_check_char(first17)
