"""Unified Social Credit Code: GB 32100-2015 checks, exceptions and generated test codes."""
import pytest

from shared.uscc import (InvalidUSCC, is_valid_uscc, make_uscc, org_check_char, uscc_check_char, uscc_region,
                         validate_uscc)

EXAMPLE = "91350100M000100Y43"  # the example in RULES.md: Fuzhou (350100), enterprise


def test_the_rules_example_passes_both_checks():
    # Position 17: M=22, 1, Y=34 with weights 3, 5, 2 -> 66 + 5 + 68 = 139; 139 mod 11 = 7; 11 - 7 = 4.
    assert org_check_char("M000100Y") == "4"
    assert uscc_check_char(EXAMPLE[:17]) == "3"
    assert validate_uscc(EXAMPLE) == EXAMPLE
    assert is_valid_uscc(EXAMPLE)


def test_input_is_stripped_and_upper_cased():
    assert validate_uscc(f"  {EXAMPLE.lower()}\n") == EXAMPLE


@pytest.mark.parametrize("code, length", [("", 0), (EXAMPLE[:17], 17), (EXAMPLE + "0", 19)])
def test_wrong_length_says_the_length(code, length):
    with pytest.raises(InvalidUSCC, match=f"must be 18 characters, got {length}$"):
        validate_uscc(code)


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_forbidden_letters_are_named_with_their_position(letter):
    code = EXAMPLE[:9] + letter + EXAMPLE[10:]
    with pytest.raises(InvalidUSCC, match=f"character '{letter}' at position 10 is not allowed"):
        validate_uscc(code)


def test_region_must_be_digits():
    code = "91A50100M000100Y43"
    with pytest.raises(InvalidUSCC, match="character 'A' at position 3 must be a digit"):
        validate_uscc(code)


def test_wrong_check_character_at_18_says_expected_and_got():
    with pytest.raises(InvalidUSCC, match="position 18 should be '3', got '4'"):
        validate_uscc(EXAMPLE[:17] + "4")


def test_wrong_organisation_check_at_17_says_expected_and_got():
    first17 = EXAMPLE[:16] + "5"
    code = first17 + uscc_check_char(first17)  # a correct 18th, so only position 17 is wrong
    with pytest.raises(InvalidUSCC, match="organisation code check at position 17 should be '4', got '5'"):
        validate_uscc(code)


def test_exception_list_lets_a_failing_code_through():
    failing = EXAMPLE[:17] + "4"
    assert not is_valid_uscc(failing)
    assert validate_uscc(failing, frozenset({failing})) == failing
    assert validate_uscc(failing.lower(), {f" {failing.lower()} "}) == failing  # both sides normalised
    assert is_valid_uscc(failing, {failing})


@pytest.mark.parametrize("region", ["110105", "310115", "440105", "350100", "650102"])
@pytest.mark.parametrize("body", ["M000100Y", "00000000", "12345678", "MA1KLP3Q", "W4RT8UXY"])
def test_make_uscc_round_trips(region, body):
    code = make_uscc(region, body)
    assert len(code) == 18
    assert code[8:16] == body
    assert validate_uscc(code) == code
    assert uscc_region(code) == region


# 00000006: 6 * 2 = 12, 12 mod 11 = 1, 11 - 1 = 10 -> X; 00000000: 0 mod 11 = 0, 11 - 0 = 11 -> 0.
@pytest.mark.parametrize("body, check", [("00000006", "X"), ("00000000", "0"), ("M000100Y", "4")])
def test_make_uscc_handles_organisation_checks_x_and_0(body, check):
    assert org_check_char(body) == check
    code = make_uscc("440105", body)
    assert code[16] == check
    assert is_valid_uscc(code)


def test_make_uscc_other_authorities_and_categories():
    for registration, category in [("1", "1"), ("5", "3"), ("Y", "1"), ("9", "2")]:
        code = make_uscc("440105", "MA1KLP3Q", registration, category)
        assert code[:2] == registration + category
        assert is_valid_uscc(code)


@pytest.mark.parametrize("args", [("44010", "MA1KLP3Q"), ("44010A", "MA1KLP3Q"), ("440105", "MA1KLP3"),
                                  ("440105", "MA1KLP3O"), ("440105", "MA1KLP3Q", "I")])
def test_make_uscc_refuses_bad_parts(args):
    with pytest.raises(ValueError):
        make_uscc(*args)


def test_uscc_region():
    assert uscc_region(EXAMPLE) == "350100"
    assert uscc_region(" 91440105ma1klp3q0x ") == "440105"
