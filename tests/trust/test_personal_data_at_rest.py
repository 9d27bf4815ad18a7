"""A realistic journey with a known name, ID number and phone, then every copy is searched: each text and binary
column of every table (both backends, read back raw, not through the models) and every file under the data
directory. None of the three may be found in clear (issue 12, item 6)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cases.helpers import HALL, act, li_ming, prefilled, sc003, upload
from tests.conftest import auth
from tests.factories import DEMO_CITIZEN_ID, make_id_number, register_citizen

NAME = "慕容秋水"
PHONE = "13912345678"
ID_NUMBER = make_id_number(serial=777)


def _journey(client) -> str:
    person, citizen = register_citizen(client, name=NAME, id_number=ID_NUMBER, phone=PHONE)
    form, _ = prefilled(client, citizen, "SC-001")
    form.update(
        {
            "company_name": "秋水示例科技有限公司",
            "enterprise_type": "有限责任公司",
            "registered_capital": 100,
            "address": "江安省云澜市澜湖区锦江大道2号",
            "business_scope": f"软件开发(联系人{NAME},电话{PHONE},身份证{ID_NUMBER})",
        }
    )
    scan = f"%PDF-1.4\n% 身份证 {NAME} {ID_NUMBER} {PHONE}\n%%EOF\n".encode()
    materials = [{"material_code": c, "file_id": upload(client, citizen, scan)} for c in ("SC-001-M02", "SC-001-M04")]
    response = client.post(
        "/api/v1/cases",
        headers=citizen,
        json={"item_code": "SC-001", "hall_code": HALL, "form": form, "materials": materials},
    )
    assert response.status_code == 201, response.text
    case_no = response.json()["case_no"]
    clerk = auth(client, "clerk1")
    act(client, clerk, case_no, "accept")
    client.post(
        "/api/v1/consult/ask",
        json={"question": f"我叫{NAME},身份证{ID_NUMBER},手机{PHONE},怎么办营业执照?", "hall_code": HALL},
    )
    # the demo citizen deregisters a business: data-sharing lookups, evidence, pre-check, a signed result
    sc003(client, li_ming(client))
    return case_no


def _column_values(env) -> list[tuple[str, bytes]]:
    """Every non-null value of every column of every table, as the driver returns it (no model types decrypt)."""
    from smarthall import all_models  # noqa: F401
    from smarthall.core.models import Base

    out: list[tuple[str, bytes]] = []
    with env.db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            result = conn.exec_driver_sql(f'SELECT * FROM "{table.name}"')
            names = list(result.keys())
            for row in result:
                for name, value in zip(names, row, strict=True):
                    if value is None:
                        continue
                    if isinstance(value, (bytes, memoryview)):
                        data = bytes(value)
                    elif isinstance(value, (dict, list)):
                        data = json.dumps(value, ensure_ascii=False).encode()
                    else:
                        data = str(value).encode()
                    out.append((f"{table.name}.{name}", data))
    return out


SECRETS = [s.encode() for s in (NAME, PHONE, ID_NUMBER, DEMO_CITIZEN_ID, "13800138000")]


def _licence_numbers(env) -> list[bytes]:
    """The number of every licence in a citizen's wallet and of every document issued to a citizen (read through
    the models: they are sealed at rest), the demo citizen's certificates included."""
    from sqlalchemy import select

    from smarthall.licences.models import Document, Licence

    with env.db.unit_of_work(write=False) as session:
        numbers = set(session.execute(select(Licence.number)).scalars())
        numbers |= set(session.execute(select(Document.doc_no).where(Document.citizen_id.is_not(None))).scalars())
    return [n.encode() for n in sorted(numbers)]


def test_no_personal_value_in_clear_in_any_column(env, client):
    _journey(client)
    numbers = _licence_numbers(env)
    assert {"CJR-690102-2024-0415", "YYZZ-690102-000001"} <= {n.decode() for n in numbers}  # the demo wallet
    assert any(b"-LIC" in n for n in numbers)  # and the licence the journey's decision issued
    found = sorted(
        {f"{where}:{s.decode()}" for where, data in _column_values(env) for s in [*SECRETS, *numbers] if s in data}
    )
    assert not found, f"in clear in: {found}"


def test_uploads_are_readable_by_the_service_account_only(env, client):
    _journey(client)
    uploads = Path(env.settings.data_dir) / "uploads"
    files = [p for p in uploads.rglob("*") if p.is_file()]
    assert files and all(p.stat().st_mode & 0o777 == 0o600 for p in files)
    assert all(p.stat().st_mode & 0o777 == 0o700 for p in [uploads, *(d for d in uploads.rglob("*") if d.is_dir())])


def test_no_personal_value_in_clear_in_any_file(env, client):
    _journey(client)
    secrets = [*SECRETS, *_licence_numbers(env)]
    files = []
    for path in Path(env.settings.data_dir).rglob("*"):
        name = str(path.relative_to(env.settings.data_dir))
        files += [name for s in secrets if s.decode() in name]  # nor in a file's name
        if path.is_file() and path.suffix not in (".db", ".db-wal", ".db-shm"):
            data = path.read_bytes()
            files += [name for s in secrets if s in data]
    assert not files, f"in clear in files: {sorted(set(files))}"
