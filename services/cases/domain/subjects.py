"""The market subject a clue or case is about, as stored and as carried on events."""
from shared.events.payloads.common import SubjectRef


def subject_key(uscc: str | None, platform: str | None, shop_id: str | None, fallback: str) -> str:
    """One active case per subject and category: the USCC, else the platform shop, else nothing shared."""
    if uscc:
        return uscc
    if platform and shop_id:
        return f"{platform}:{shop_id}"
    return f"unidentified:{fallback}"


def subject_columns(subject: SubjectRef) -> dict:
    return {"subject_uscc": subject.uscc, "subject_name": subject.name, "subject_platform": subject.platform,
            "subject_shop_id": subject.shop_id, "subject_region": subject.region}

