"""The course generator page (8.3) through real HTTP: items and knowledge entries ticked, a question count, the
preview showing the quiz with its right answers and saving nothing, publish making the course the API then serves;
refusals shown on the form in words."""

from __future__ import annotations

import re
from typing import Any

from tests.conftest import auth
from tests.factories import assert_problem, assert_refused_page


def _entry_code(client: Any) -> str:
    listed = client.get("/api/v1/consult/entries", params={"status": "published"}, headers=auth(client, "admin1"))
    return str(listed.json()["entries"][0]["code"])


def _courses(client: Any) -> list[str]:
    return [c["code"] for c in client.get("/api/v1/staff-courses", headers=auth(client, "hallmanager1")).json()]


def test_preview_then_publish_from_the_page(env, client):
    manager = auth(client, "hallmanager1")
    page = client.get("/staff/courses/generate", headers=manager)
    assert page.status_code == 200 and "由目录与知识库生成课程" in page.text and 'value="SC-002"' in page.text
    first = client.post("/staff/courses/generate", data={"item": ["SC-002"]}, headers=manager)
    assert first.status_code == 200 and first.text.count('data-testid="gen-q"') == 2  # all an item gives
    entry = _entry_code(client)  # the knowledge base starts as the catalog's entries (seeded by the first write)
    page = client.get("/staff/courses/generate", headers=manager)
    assert f'value="{entry}"' in page.text
    form = {"code": "PG-1", "title": "个体户设立(页面生成)", "item": ["SC-002"], "entry": [entry],
            "question_count": "2", "pass_percent": "100", "action": "preview"}  # fmt: skip
    shown = client.post("/staff/courses/generate", data=form, headers=manager)
    assert shown.status_code == 200, shown.text
    assert shown.text.count('data-testid="gen-q"') == 2 and shown.text.count('data-testid="gen-right"') == 2
    assert "办理「个体工商户设立登记」需要提交以下哪一项材料?" in shown.text
    assert 'data-testid="gen-publish"' in shown.text
    assert "PG-1" not in _courses(client)  # a preview saves nothing

    # the API preview agrees with the page and the publish
    api = client.post(
        "/api/v1/staff-courses/generate/preview",
        json={"code": "PG-1", "title": "x", "item_codes": ["SC-002"], "entry_codes": [entry], "question_count": 2},
        headers=manager,
    )
    assert api.status_code == 200 and len(api.json()["questions"]) == 2, api.text
    published = client.post("/staff/courses/generate", data={**form, "action": "publish"}, headers=manager,
                            follow_redirects=False)  # fmt: skip
    assert published.status_code == 303 and published.headers["location"].startswith("/staff/courses/assignments")
    course_id = int(re.search(r"made=(\d+)", published.headers["location"]).group(1))  # type: ignore[union-attr]
    made = client.get(f"/api/v1/staff-courses/{course_id}", headers=auth(client, "clerk1")).json()
    assert made["code"] == "PG-1" and made["pass_percent"] == 100
    assert [q["text"] for q in made["questions"]] == [q["text"] for q in api.json()["questions"]]
    assert [q["options"] for q in made["questions"]] == [q["options"] for q in api.json()["questions"]]

    # the same code again: refused on the form, in words, with the choice kept
    again = client.post("/staff/courses/generate", data={**form, "action": "publish"}, headers=manager)
    assert again.status_code == 409 and 'data-testid="error"' in again.text
    assert 'value="SC-002" checked' in again.text


def test_page_refusals(env, client):
    manager = auth(client, "hallmanager1")
    nothing = client.post("/staff/courses/generate", data={"action": "preview"}, headers=manager)
    assert nothing.status_code == 422 and "请至少选择一个事项或一条知识" in nothing.text
    unknown = client.post("/staff/courses/generate", data={"item": ["NOPE-1"]}, headers=manager)
    assert unknown.status_code == 422 and "事项或知识条目不存在" in unknown.text
    bad_count = client.post("/staff/courses/generate", data={"item": ["SC-002"], "question_count": "x"},
                            headers=manager)  # fmt: skip
    assert bad_count.status_code == 422 and "题目数量" in bad_count.text
    untitled = client.post("/staff/courses/generate", data={"item": ["SC-002"], "action": "publish"}, headers=manager)
    assert untitled.status_code == 422 and "课程编号和名称" in untitled.text
    for who in ("clerk1", "guide1"):
        assert_refused_page(client.get("/staff/courses/generate", headers=auth(client, who)), 403, "forbidden_role")
        posted = client.post("/staff/courses/generate", data={"item": ["SC-002"]}, headers=auth(client, who))
        assert_refused_page(posted, 403, "forbidden_role")
    assert_problem(
        client.post("/api/v1/staff-courses/generate/preview", json={"code": "a", "title": "b", "item_codes": []},
                    headers=manager),  # fmt: skip
        422,
        "course_no_source",
    )
    zero = client.post(
        "/api/v1/staff-courses/generate/preview",
        json={"code": "a", "title": "b", "item_codes": ["SC-002"], "question_count": 0},
        headers=manager,
    )
    assert_problem(zero, 422, "validation_error")
