"""Personal data: encryption with key rotation, keyed hashes, display masks."""
import pytest
from cryptography.fernet import Fernet

from shared.pii import (KeyedHasher, PiiCipher, mask_contact, mask_email, mask_id_number, mask_name,
                        mask_phone)


def test_round_trip_and_ciphertext_hides_plaintext():
    cipher = PiiCipher([PiiCipher.generate_key()])
    token = cipher.encrypt("张三 13800138000")
    assert "13800138000" not in token and "张三" not in token
    assert cipher.decrypt(token) == "张三 13800138000"
    contact = {"name": "张三", "phone": "13800138000"}
    assert cipher.decrypt_json(cipher.encrypt_json(contact)) == contact


def test_rotation_keeps_old_data_readable_and_rotate_moves_it_to_the_new_key():
    old, new = PiiCipher.generate_key(), PiiCipher.generate_key()
    token = PiiCipher([old]).encrypt("secret")
    rotated_cipher = PiiCipher([new, old])
    assert rotated_cipher.decrypt(token) == "secret"
    rotated = rotated_cipher.rotate(token)
    assert PiiCipher([new]).decrypt(rotated) == "secret"
    with pytest.raises(ValueError, match="no configured key"):
        PiiCipher([old]).decrypt(rotated)


def test_a_foreign_or_tampered_token_is_a_value_error():
    cipher = PiiCipher([PiiCipher.generate_key()])
    token = PiiCipher([PiiCipher.generate_key()]).encrypt("x")
    with pytest.raises(ValueError, match="cannot decrypt"):
        cipher.decrypt(token)
    with pytest.raises(ValueError, match="cannot rotate"):
        cipher.rotate(token)


@pytest.mark.parametrize("bad", ["not-a-key", Fernet.generate_key().decode()[:-4] + "AAAA!"])
def test_bad_key_message_never_contains_the_key(bad):
    good = PiiCipher.generate_key()
    with pytest.raises(ValueError, match="#2 of 2 is malformed") as info:
        PiiCipher([good, bad])
    assert bad not in str(info.value) and good not in str(info.value)
    with pytest.raises(ValueError, match="at least one"):
        PiiCipher([])


def test_hasher_is_deterministic_and_normalises():
    hasher = KeyedHasher("k1")
    digest = hasher.hash("phone", "13800138000")
    assert len(digest) == 64 and digest == hasher.hash("phone", "13800138000")
    for variant in [" 138 0013 8000 ", "+86 13800138000", "8613800138000", "+86-138-0013-8000", "0086 13800138000"]:
        assert hasher.hash("phone", variant) == digest
    assert hasher.hash("email", " Alice@Example.com ") == hasher.hash("email", "alice@example.com")
    assert hasher.hash("id_number", "44010519900101123x") == hasher.hash("id_number", "44010519900101123X")
    assert hasher.hash("phone", "13800138001") != digest


def test_hasher_separates_kinds_and_keys():
    assert KeyedHasher("k1").hash("phone", "12345") != KeyedHasher("k1").hash("id_number", "12345")
    assert KeyedHasher("k1").hash("phone", "13800138000") != KeyedHasher("k2").hash("phone", "13800138000")
    assert KeyedHasher(b"k1").hash("phone", "13800138000") == KeyedHasher("k1").hash("phone", "13800138000")
    with pytest.raises(ValueError):
        KeyedHasher("")


@pytest.mark.parametrize(("mask", "value", "masked"), [
    (mask_phone, "13800138000", "138****8000"),
    (mask_phone, "12345", "***45"),
    (mask_phone, "12", "**"),
    (mask_name, "张三", "张*"),
    (mask_name, "欧阳娜娜", "欧***"),
    (mask_name, "John Smith", "J*** S****"),
    (mask_email, "alice@example.com", "a****@example.com"),
    (mask_email, "a@example.com", "*@example.com"),
    (mask_email, "alice", "a****"),
    (mask_id_number, "440105199001011234", "440105********1234"),
    (mask_id_number, "A1234567", "******67"),
])
def test_masks(mask, value, masked):
    assert mask(value) == masked
    assert mask("") == ""
    assert mask(None) is None


def test_mask_contact_masks_personal_fields_and_leaves_the_rest():
    contact = {"name": "张三", "phone": "13800138000", "email": "alice@example.com",
               "id_number": "440105199001011234", "preferred_language": "zh-CN", "extra": None}
    assert mask_contact(contact) == {"name": "张*", "phone": "138****8000", "email": "a****@example.com",
                                     "id_number": "440105********1234", "preferred_language": "zh-CN",
                                     "extra": None}
    assert mask_contact({"phone": None, "name": ""}) == {"phone": None, "name": ""}
    assert mask_contact(None) is None
    assert mask_contact({}) == {}
