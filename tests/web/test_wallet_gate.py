"""The e-licence wallet (/me/licences) hands out a result only once its fee is paid, as the case page and the
document API do (issue 18: 缴费后领取): while GA-001's fee is owed, the licence reads 待缴费 with a way to pay and no
download link (the download would answer 409 ``case_payment_required``); once paid, the download is offered and
gives the PDF. In English the licence types read in English where the catalog has words for them (issue 16)."""

from __future__ import annotations

import re

from tests.factories import assert_problem
from tests.payments.test_delivery_waits import approved_ga001
from tests.payments.test_result_waits import pay


def _entry(page: str, case_no: str) -> str:
    """The wallet line of the licence issued by ``case_no``."""
    for block in re.findall(r'<li class="booking"[^>]*data-testid="licence">(.*?)</li>', page, re.S):
        if f"/cases/{case_no}" in block:
            return block
    raise AssertionError(f"no licence of {case_no} in the wallet")


def test_the_wallet_offers_the_result_only_once_its_fee_is_paid(client, env):
    citizen, case_no = approved_ga001(client, env)
    document = next(
        d for d in client.get(f"/api/v1/cases/{case_no}", headers=citizen).json()["documents"] if d["kind"] == "licence"
    )
    download = document["download_path"]
    assert_problem(client.get(download, headers=citizen), 409, "case_payment_required")  # the API refuses it

    line = _entry(client.get("/me/licences", headers=citizen).text, case_no)
    assert download not in line and 'data-testid="licence-download"' not in line  # no link to a 409
    assert "待缴费" in line and "缴费完成后才能下载证照" in line
    assert f'href="/cases/{case_no}#fee"' in line and 'data-testid="licence-pay"' in line
    assert 'data-testid="licence-verify"' in line  # its authenticity can still be checked
    english = _entry(client.get("/me/licences?lang=en", headers=citizen).text, case_no)
    assert "Fee unpaid" in english and "Pay now" in english

    pay(client, citizen, case_no)
    line = _entry(client.get("/me/licences", headers=citizen).text, case_no)
    assert f'href="{download}"' in line and "待缴费" not in line and 'data-testid="licence-pay"' not in line
    got = client.get(download, headers=citizen)
    assert got.status_code == 200 and got.content.startswith(b"%PDF")


def test_licence_types_read_in_english_where_the_catalog_has_words(client, env):
    citizen, _ = approved_ga001(client, env)
    english = client.get("/me/licences?lang=en", headers=citizen).text
    types = re.findall(r'data-testid="licence-type">([^<]*)<', english)
    for word in ("Business licence", "Birth medical certificate", "Household register", "Social security card"):
        assert word in types, types
    assert "营业执照" not in types and "社会保障卡" not in types
    home = client.get("/?lang=en", headers=citizen).text
    errands = re.findall(
        r'class="errand errand-licence".*?<strong>([^<]*)</strong>\s*<span class="status">([^<]*)<', home, re.S
    )
    names = [name for name, _ in errands]
    assert "Business licence" in names and "营业执照" not in names, errands
    # the home says the result waits for its fee, too, named after its item in English (the record's type is the
    # Chinese 居民身份证换领结果 it was issued as)
    assert ("Result of Renewal of Resident Identity Card", "Fee unpaid") in errands, errands
    chinese = re.findall(
        r'data-testid="licence-type">([^<]*)<', client.get("/me/licences?lang=zh", headers=citizen).text
    )
    assert "营业执照" in chinese and "社会保障卡" in chinese
