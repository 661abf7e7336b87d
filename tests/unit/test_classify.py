"""Keyword classification of complaints (pure rule)."""
import pytest

from services.complaints.classification import load_rules
from services.complaints.domain.classify import KeywordRules, classify
from shared.registry import Registry

RULES = load_rules()


@pytest.mark.parametrize("text,category", [
    ("外卖食品变质，吃了拉肚子", "food_safety"),
    ("商家要求好评返现，还刷单炒信", "fake_reviews"),
    ("同一商品老用户价格更高，大数据杀熟", "price_violation"),
    ("Seller shipped a counterfeit knock-off bag", "counterfeit"),
    ("平台强制商家二选一", "unfair_competition"),
    ("申请退款商家拒不退", "consumer_dispute"),
])
def test_classifies_chinese_and_english_text(text, category):
    result = classify(text, RULES)
    assert result.category == category and result.matched_terms


def test_no_match_falls_back_with_no_terms():
    assert classify("说不清楚的问题", RULES) == classify("", RULES)
    assert classify("说不清楚的问题", RULES).category == "consumer_dispute"
    assert classify("说不清楚的问题", RULES).matched_terms == ()


def test_most_matches_wins_and_ties_go_to_the_earlier_rule():
    rules = KeywordRules(fallback="x", rules={"a": ("apple",), "b": ("apple", "pear")})
    assert classify("apple and pear", rules).category == "b"
    assert classify("apple", rules).category == "a"


def test_every_rule_names_a_category_of_the_registry():
    assert set(RULES.rules) | {RULES.fallback} <= set(Registry.load().categories)
