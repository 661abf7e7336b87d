"""SMS segments: 70 characters for a message with Chinese (UCS-2), 67 per part when concatenated;
160 / 153 for plain GSM-7 text."""
import math

_GSM7 = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
            "¿abcdefghijklmnopqrstuvwxyzäöñüà")


def segments(text: str) -> int:
    if not text:
        return 0
    single, part = (160, 153) if set(text) <= _GSM7 else (70, 67)
    return 1 if len(text) <= single else math.ceil(len(text) / part)
