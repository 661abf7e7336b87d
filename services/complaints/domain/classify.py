"""Classify a complaint's category from its text by keyword rules kept as data."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Classification:
    category: str
    matched_terms: tuple[str, ...]  # why: shown to the officer, who may reclassify


@dataclass(frozen=True)
class KeywordRules:
    fallback: str
    rules: dict[str, tuple[str, ...]]  # category -> terms, in priority order for ties

    @classmethod
    def from_data(cls, data: dict) -> "KeywordRules":
        return cls(fallback=data["fallback"],
                   rules={category: tuple(str(t) for t in terms) for category, terms in data["rules"].items()})


def classify(text: str, rules: KeywordRules) -> Classification:
    """The category with the most matched terms (ties: the earlier rule); the fallback when none match."""
    haystack = text.casefold()
    best = Classification(rules.fallback, ())
    for category, terms in rules.rules.items():
        matched = tuple(t for t in terms if t.casefold() in haystack)
        if len(matched) > len(best.matched_terms):
            best = Classification(category, matched)
    return best
