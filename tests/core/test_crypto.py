from __future__ import annotations

import os

import pytest
from cryptography.exceptions import InvalidTag

from smarthall.core.crypto import FieldCipher, Signer, canonical_bytes
from smarthall.core.masking import mask_address, mask_id_number, mask_name, mask_phone, scrub


@pytest.mark.parametrize("algorithm", ["aes-256-gcm", "sm4-gcm"])
def test_round_trip_and_tamper_detection(algorithm):
    cipher = FieldCipher(os.urandom(32), algorithm)
    blob = cipher.encrypt("11010519491231002X", "identity_citizen.id_number")
    assert b"11010519491231002X" not in blob
    assert cipher.decrypt(blob, "identity_citizen.id_number") == "11010519491231002X"
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(InvalidTag):
        cipher.decrypt(tampered, "identity_citizen.id_number")


@pytest.mark.parametrize("algorithm", ["aes-256-gcm", "sm4-gcm"])
def test_ciphertext_is_bound_to_its_column(algorithm):
    cipher = FieldCipher(os.urandom(32), algorithm)
    blob = cipher.encrypt("13800138000", "identity_citizen.phone")
    with pytest.raises(InvalidTag):
        cipher.decrypt(blob, "identity_citizen.name")


def test_encryption_is_randomised_but_blind_index_is_stable_and_keyed():
    key = os.urandom(32)
    cipher = FieldCipher(key)
    assert cipher.encrypt("x", "t.c") != cipher.encrypt("x", "t.c")
    assert cipher.blind_index("110", "id_number") == FieldCipher(key).blind_index("110", "id_number")
    assert cipher.blind_index("110", "id_number") != FieldCipher(os.urandom(32)).blind_index("110", "id_number")
    assert cipher.blind_index("110", "id_number") != cipher.blind_index("110", "phone")


def test_wrong_key_length_is_refused():
    with pytest.raises(ValueError):
        FieldCipher(b"short")


def test_signer_detects_changed_fields():
    signer = Signer.from_master(os.urandom(32))
    fields = {"case_no": "2026-0001", "holder": "李明", "valid_until": "2031-11-30"}
    signature = signer.sign(canonical_bytes(fields))
    assert signer.verify(canonical_bytes(fields), signature)
    assert not signer.verify(canonical_bytes({**fields, "valid_until": "2099-01-01"}), signature)
    # A changed character in the middle changes the signature's bytes (the last character carries only padding bits
    # in part, so replacing it could leave the bytes as they were: 1 run in 256).
    mid = len(signature) // 2
    tampered = signature[:mid] + ("B" if signature[mid] == "A" else "A") + signature[mid + 1 :]
    assert not signer.verify(canonical_bytes(fields), tampered)
    assert not signer.verify(canonical_bytes(fields), "garbage!")


def test_masks():
    assert mask_id_number("330102199001011234") == "3301**********1234"
    assert mask_phone("13856785678") == "138****5678"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("") == ""
    assert mask_address("江安省云澜市澜湖区湖滨街道柳岸路8号").endswith("****")


def test_scrub_masks_numbers_inside_free_text():
    line = "lookup id=330102199001011234 phone 13856785678 ok"
    assert scrub(line) == "lookup id=3301**********1234 phone 138****5678 ok"
