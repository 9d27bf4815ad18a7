"""Files at rest (issue 12, item 6 and "key rotation"): the envelope itself, legacy plaintext files read as they are
and sealed by the resumable ``smarthall files re-encrypt``, and ``smarthall keys rotate`` (new files under the new
key version, old ones still readable, every file re-sealed, archive packages still verifying)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from smarthall.cases.models import UploadedFile
from smarthall.cli import app as cli_app
from smarthall.core import crypto
from smarthall.licences.models import Document
from tests.cases.helpers import li_ming
from tests.conftest import TEST_FIELD_KEY
from tests.trust.test_personal_data_at_rest import ID_NUMBER, NAME, _journey


def _cli(env, *args: str, **extra: str):
    environ = {
        "SMARTHALL_DATABASE_URL": env.settings.resolved_database_url,
        "SMARTHALL_DATA_DIR": str(env.settings.data_dir),
        "SMARTHALL_FIELD_KEY": TEST_FIELD_KEY,
        "SMARTHALL_LOG_LEVEL": "WARNING",
        **extra,
    }
    return CliRunner().invoke(cli_app, list(args), env=environ)


def _header(path: Path) -> crypto.EnvelopeHeader:
    with path.open("rb") as fh:
        return crypto.file_cipher().read_header(fh)


def _stored(env) -> tuple[list[UploadedFile], list[Document]]:
    with env.db.unit_of_work(write=False) as session:
        uploads = list(session.execute(select(UploadedFile)).scalars())
        documents = list(session.execute(select(Document).where(Document.status == "valid")).scalars())
        session.expunge_all()
    return uploads, documents


# ------------------------------------------------------------------------------------------------ the envelope


@pytest.fixture
def ring(tmp_path):
    previous = crypto._file_cipher
    crypto.configure_file_cipher(crypto.FileCipher({1: os.urandom(32)}, "aes-256-gcm", tmp_path))
    yield tmp_path
    crypto._file_cipher = previous


@pytest.mark.parametrize("size", [0, 1, crypto.FILE_CHUNK - 1, crypto.FILE_CHUNK, 3 * crypto.FILE_CHUNK + 17])
def test_a_sealed_file_reads_back_whole_and_seeks(ring, size):
    data = os.urandom(size)
    path = ring / "uploads" / "f"
    path.parent.mkdir()
    crypto.write_sealed(path, data)
    assert crypto.is_sealed(path)
    if size >= 16:
        assert data[:16] not in path.read_bytes()
    assert path.stat().st_mode & 0o777 == 0o600
    assert crypto.read_plain(path) == data
    with crypto.open_plain(path) as fh:
        fh.seek(size // 2)
        assert fh.read(crypto.FILE_CHUNK + 5) == data[size // 2 : size // 2 + crypto.FILE_CHUNK + 5]
        assert _header(path).label == "uploads/f"


def test_a_big_file_streams_in_chunks(ring):
    path = ring / "big.bin"
    block = hashlib.sha256(b"x").digest() * 2048  # 64 KiB
    with crypto.seal_file(path) as out:
        for _ in range(160):  # 10 MiB, never held whole
            out.write(block)
    digest = hashlib.sha256()
    with crypto.open_plain(path) as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(block * 160).hexdigest()


def test_altered_cut_extended_or_moved_files_do_not_open(ring):
    data = os.urandom(3 * crypto.FILE_CHUNK)
    path = ring / "a"
    crypto.write_sealed(path, data)
    raw = path.read_bytes()
    head = _header(path).length
    step = crypto.FILE_CHUNK + 16
    variants = {
        "flipped": raw[:-40] + bytes([raw[-40] ^ 1]) + raw[-39:],
        "cut at a chunk boundary": raw[: head + 2 * step],
        "extended": raw + b"\0",
        "chunks swapped": raw[:head]
        + raw[head + step : head + 2 * step]
        + raw[head : head + step]
        + raw[head + 2 * step :],
    }
    for blob in variants.values():
        (ring / "a").write_bytes(blob)
        with pytest.raises(crypto.EnvelopeError):
            crypto.read_plain(ring / "a")
    (ring / "b").write_bytes(raw)  # a valid envelope, at another path
    with pytest.raises(crypto.EnvelopeError):
        crypto.read_plain(ring / "b")
    crypto.configure_file_cipher(crypto.FileCipher({2: os.urandom(32)}, "aes-256-gcm", ring))
    (ring / "a").write_bytes(raw)  # a key this ring does not hold
    with pytest.raises(crypto.EnvelopeError, match="version 1"):
        crypto.read_plain(ring / "a")


def test_legacy_plaintext_passes_through_and_old_key_versions_and_ciphers_still_read(ring):
    (ring / "old.pdf").write_bytes(b"%PDF-1.4 legacy")
    assert crypto.read_plain(ring / "old.pdf") == b"%PDF-1.4 legacy"
    v1 = crypto.file_cipher()
    master = {1: os.urandom(32), 2: os.urandom(32)}
    crypto.configure_file_cipher(crypto.FileCipher({1: master[1]}, "sm4-gcm", ring))
    crypto.write_sealed(ring / "sm4", b"sealed with SM4 under key 1")
    crypto.configure_file_cipher(crypto.FileCipher(master, "aes-256-gcm", ring))
    crypto.write_sealed(ring / "aes", b"sealed with AES under key 2")
    assert (_header(ring / "sm4").algorithm, _header(ring / "sm4").key_version) == ("sm4-gcm", 1)
    assert (_header(ring / "aes").algorithm, _header(ring / "aes").key_version) == ("aes-256-gcm", 2)
    assert crypto.read_plain(ring / "sm4") == b"sealed with SM4 under key 1"
    assert crypto.read_plain(ring / "aes") == b"sealed with AES under key 2"
    assert crypto.reseal(ring / "sm4") and not crypto.reseal(ring / "aes")
    assert (_header(ring / "sm4").algorithm, _header(ring / "sm4").key_version) == ("aes-256-gcm", 2)
    assert crypto.read_plain(ring / "sm4") == b"sealed with SM4 under key 1"
    assert v1 is not crypto.file_cipher()


# ------------------------------------------------------------------------------- the platform's files, end to end


def test_legacy_files_still_serve_and_re_encrypt_seals_them_resumably(env, client):
    _journey(client)
    uploads, documents = _stored(env)
    assert uploads and documents
    legacy = [Path(u.path) for u in uploads] + [Path(d.path) for d in documents]
    for path in legacy:  # as written before files were sealed
        plain = crypto.read_plain(path)
        path.unlink()
        path.write_bytes(plain)
        os.chmod(path, 0o600)
    citizen = li_ming(client)
    mine = [d for d in documents if d.case_no and client.get(f"/api/v1/documents/{d.id}", headers=citizen).is_success]
    assert mine, "the citizen can download a document"
    response = client.get(f"/api/v1/documents/{mine[0].id}", headers=citizen)
    assert response.content.startswith(b"%PDF") and hashlib.sha256(response.content).hexdigest() == mine[0].sha256

    first = _cli(env, "files", "re-encrypt", "--limit", "1")
    assert first.exit_code == 0, first.output
    assert "sealed 1 file(s)" in first.output
    rest = _cli(env, "files", "re-encrypt")
    assert rest.exit_code == 0, rest.output
    assert f"sealed {len(legacy) - 1} file(s)" in rest.output
    again = _cli(env, "files", "re-encrypt")
    assert again.exit_code == 0 and "sealed 0 file(s)" in again.output, again.output
    assert all(crypto.is_sealed(p) and p.stat().st_mode & 0o777 == 0o600 for p in legacy)
    for upload in uploads:
        assert hashlib.sha256(crypto.read_plain(Path(upload.path))).hexdigest() == upload.sha256
    response = client.get(f"/api/v1/documents/{mine[0].id}", headers=citizen)
    assert hashlib.sha256(response.content).hexdigest() == mine[0].sha256


def test_keys_rotate_reseals_every_file_and_the_archive_still_verifies(env, client):
    _journey(client)
    data_dir = Path(env.settings.data_dir)
    before = [p for p in data_dir.rglob("*") if p.is_file() and crypto.is_sealed(p)]
    assert any("archive" in p.parts for p in before) and all(_header(p).key_version == 1 for p in before)

    rotated = _cli(env, "keys", "rotate")
    assert rotated.exit_code == 0, rotated.output
    assert "added key version 2" in rotated.output
    key_file = data_dir / "keys" / "master-v2.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert all(_header(p).key_version == 2 for p in before)
    sealed_archive = [p for p in before if "archive" in p.parts]
    assert all(p.stat().st_mode & 0o777 == 0o440 for p in sealed_archive)  # the bag stays read-only
    verified = _cli(env, "archive", "verify", "--all")
    assert verified.exit_code == 0, verified.output
    # every sealed database field is under version 2 now, and still opens (the citizen signs in, reads the profile)
    sealed_fields = _sealed_field_values(env)
    assert sealed_fields and all(crypto.field_cipher().version_of(v) == ("aes-256-gcm", 2) for v in sealed_fields)
    assert "sealed 0 row(s)" in _cli(env, "fields", "re-encrypt").output
    token = client.post("/api/v1/auth/token", data={"username": ID_NUMBER, "password": "Passw0rd-test"})
    assert token.status_code == 200, token.text
    me = client.get("/api/v1/me/profile", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
    assert me.status_code == 200 and me.json()["name"] == NAME, me.text

    # a file written now is sealed under version 2; a file still under version 1 keeps opening
    crypto.configure_file_cipher(
        crypto.FileCipher({1: crypto.file_keys(env.settings, _master())[1]}, "aes-256-gcm", data_dir)
    )
    old = data_dir / "uploads" / "legacy-v1"
    crypto.write_sealed(old, b"%PDF-1.4 under key 1")
    _cli(env, "files", "re-encrypt", "--limit", "0")  # reconfigures the ring from the key folder: versions 1 and 2
    assert crypto.file_cipher().current == 2
    assert crypto.read_plain(old) == b"%PDF-1.4 under key 1"
    from tests.cases.helpers import upload

    new_id = upload(client, li_ming(client), b"%PDF-1.4\n%%EOF\n")
    with env.db.unit_of_work(write=False) as session:
        new_path = Path(session.get(UploadedFile, new_id).path)
    assert _header(new_path).key_version == 2


def _sealed_field_values(env) -> list[bytes]:
    from smarthall import all_models  # noqa: F401
    from smarthall.core.models import Base

    out = []
    with env.db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, crypto.EncryptedString):
                    rows = conn.exec_driver_sql(f'SELECT "{column.name}" FROM "{table.name}"')
                    out += [bytes(v) for (v,) in rows if v is not None]
    return out


def _master() -> bytes:
    import base64

    return base64.b64decode(TEST_FIELD_KEY)


def test_sm4_switch_reseals_files_and_the_archive_still_verifies(env, client):
    _journey(client)
    switched = _cli(env, "files", "re-encrypt", SMARTHALL_CIPHER="sm4-gcm")
    assert switched.exit_code == 0, switched.output
    sealed = [p for p in Path(env.settings.data_dir).rglob("*") if p.is_file() and crypto.is_sealed(p)]
    assert sealed and all(_header(p).algorithm == "sm4-gcm" for p in sealed)
    verified = _cli(env, "archive", "verify", "--all", SMARTHALL_CIPHER="sm4-gcm")
    assert verified.exit_code == 0, verified.output
