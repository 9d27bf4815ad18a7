"""The case use cases called directly (``cases.service``), one class per use case, fed by database-level builders
(``tests.factories.make_case``). The HTTP and browser scenarios of the same flows live beside this file."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from smarthall.cases import actions, jobs, limits, service, workflow
from smarthall.cases.errors import ActionInvalid, ActionNotForRole, CaseNotFound, FormInvalid, OutOfDepartment
from smarthall.cases.schemas import ActionIn, CaseCreate
from smarthall.core.errors import Forbidden
from smarthall.core.tenancy import SYSTEM
from smarthall.licences import service as licence_service
from smarthall.licences.service import DocumentDesk
from smarthall.rules import service as rules_service
from tests.cases.helpers import HALL, generic_form
from tests.factories import citizen_actor, make_case, make_staff, register_citizen, staff_actor

TOWNSHIP = "H-690102001"  # a station beneath 澜湖区: its county hall manager supervises it
OTHER_COUNTY = "H-690123"


@pytest.fixture
def desk(env: Any) -> DocumentDesk:
    return DocumentDesk.from_settings(env.settings, env.app.state.signer)


def _codes(exc: Any) -> set[str]:
    return {f["code"] for f in exc.value.detail["faults"]}


class TestEveryAction:
    def test_every_workflow_action_has_an_effect(self) -> None:
        assert set(actions.EFFECTS) == set(workflow.ACTIONS)

    def test_checks_name_only_real_actions(self) -> None:
        assert set(actions.CHECKS) <= set(workflow.ACTIONS)


class TestSubmit:
    def test_every_fault_at_once_and_nothing_written(self, env: Any, desk: DocumentDesk) -> None:
        with env.db.unit_of_work() as session:
            citizen = citizen_actor(session)
            data = CaseCreate(item_code="SC-001", hall_code=HALL, form={"registered_capital": "很多", "bogus": 1})
            with pytest.raises(FormInvalid) as exc:
                service.submit(session, citizen, data=data, desk=desk, now=env.clock.now())
            assert {"required", "invalid_number", "unknown_field"} <= _codes(exc)
            assert service.list_cases(session, citizen) == []

    def test_instant_approval_decides_and_delivers_for_the_demo_citizen(self, env: Any, desk: DocumentDesk) -> None:
        with env.db.unit_of_work() as session:
            citizen = citizen_actor(session)
            form = {
                f["name"]: f["value"]
                for f in service.item_form(session, citizen, item_code="SC-003", now=env.clock.now())["fields"]
                if f["value"]
            }
            held = next(lic.id for lic in licence_service.wallet(session, citizen.id) if lic.type == "营业执照")
            data = CaseCreate(
                item_code="SC-003",
                hall_code=HALL,
                form={**form, "cancel_reason": "停止经营"},
                materials=[{"material_code": "SC-003-M02", "licence_id": held}],
            )
            submitted = service.submit(session, citizen, data=data, desk=desk, now=env.clock.now())
            assert submitted.instant == {"approved": True, "reasons": []}
            case = submitted.case
            assert case.status == "delivered" and case.auto_decided and case.delivery["mode"] == "electronic"
            view = service.read_case(session, citizen, case=case, now=env.clock.now())
            assert [e["action"] for e in view["timeline"]] == ["submit", "instant_check", "auto_approve", "deliver"]

    def test_a_clerk_files_only_for_a_registered_applicant(self, env: Any, desk: DocumentDesk) -> None:
        with env.db.unit_of_work() as session:
            clerk = staff_actor(session, "clerk1")
            data = CaseCreate(item_code="SC-001", hall_code=HALL, form=generic_form(), applicant_id_number="1" * 18)
            with pytest.raises(FormInvalid) as exc:
                service.submit(session, clerk, data=data, desk=desk, now=env.clock.now())
            assert _codes(exc) == {"applicant_unknown"}
            with pytest.raises(Forbidden) as denied:
                service.submit(session, staff_actor(session, "guide1"), data=data, desk=desk, now=env.clock.now())
            assert denied.value.code_ == "forbidden_role"


class TestCaseInScope:
    def test_the_applicant_finds_their_case_another_citizen_gets_404(self, env: Any, client: Any) -> None:
        other, _ = register_citizen(client)
        with env.db.unit_of_work() as session:
            case = make_case(session)
            assert service.case_in_scope(session, citizen_actor(session), case_no=case.case_no) is case
            with pytest.raises(CaseNotFound):
                service.case_in_scope(session, citizen_actor(session, other["id_number"]), case_no=case.case_no)

    def test_staff_of_another_hall_are_refused_supervisors_above_see_it(self, env: Any) -> None:
        make_staff(env, username="clerk_far", role="clerk", hall_code=OTHER_COUNTY)
        with env.db.unit_of_work() as session:
            case = make_case(session, hall_code=TOWNSHIP, item_code="SC-003")
            with pytest.raises(Forbidden) as exc:
                service.case_in_scope(session, staff_actor(session, "clerk_far"), case_no=case.case_no)
            assert exc.value.code_ == "out_of_scope"
            assert service.case_in_scope(session, staff_actor(session, "hallmanager1"), case_no=case.case_no) is case
            with pytest.raises(CaseNotFound):
                service.case_in_scope(session, staff_actor(session, "hallmanager1"), case_no="NOPE")

    def test_reading_needs_a_role_that_reads_cases_acting_does_not(self, env: Any, desk: DocumentDesk) -> None:
        with env.db.unit_of_work() as session:
            case = make_case(session)
            guide = staff_actor(session, "guide1")
            with pytest.raises(Forbidden) as exc:
                service.case_in_scope(session, guide, case_no=case.case_no)
            assert exc.value.code_ == "forbidden_role"
            loaded = service.case_in_scope(session, guide, case_no=case.case_no, to="act")
            with pytest.raises(ActionNotForRole):
                service.act(session, guide, case=loaded, data=ActionIn(action="accept"), desk=desk, now=env.clock.now())


class TestListCases:
    def test_scope_is_decided_in_sql_and_pages_are_full(self, env: Any) -> None:
        make_staff(env, username="clerk_far", role="clerk", hall_code=OTHER_COUNTY)
        with env.db.unit_of_work() as session:
            mine = {make_case(session).case_no for _ in range(5)}
            station = make_case(session, hall_code=TOWNSHIP, item_code="SC-003").case_no
            far = make_case(session, hall_code=OTHER_COUNTY).case_no
            clerk = staff_actor(session, "clerk1")
            assert {c.case_no for c in service.list_cases(session, clerk)} == mine
            pages = [service.list_cases(session, clerk, limit=2, offset=o) for o in (0, 2, 4)]
            assert [len(p) for p in pages] == [2, 2, 1]
            assert {c.case_no for p in pages for c in p} == mine
            manager = staff_actor(session, "hallmanager1")
            assert {c.case_no for c in service.list_cases(session, manager)} == mine | {station}
            assert {c.case_no for c in service.list_cases(session, staff_actor(session, "clerk_far"))} == {far}
            assert {c.case_no for c in service.list_cases(session, citizen_actor(session))} == mine | {station, far}

    def test_an_approver_sees_the_department_and_its_joint_reviews(self, env: Any) -> None:
        make_staff(env, username="approver_wj", role="approver", hall_code=HALL, department_code="WJ")
        with env.db.unit_of_work() as session:
            joint = make_case(session, item_code="SC-004", status="review").case_no
            make_case(session, item_code="SC-001", status="review")
            wj = staff_actor(session, "approver_wj")
            assert [c.case_no for c in service.list_cases(session, wj, status=["review"])] == [joint]

    def test_roles_that_do_not_read_cases_are_refused(self, env: Any) -> None:
        with env.db.unit_of_work() as session:
            with pytest.raises(Forbidden) as exc:
                service.list_cases(session, staff_actor(session, "guide1"))
            assert exc.value.code_ == "forbidden_role"
            assert service.list_cases(session, SYSTEM) == []


class TestAccept:
    def test_accepting_issues_the_notice_and_starts_review(self, env: Any, desk: DocumentDesk) -> None:
        with env.db.unit_of_work() as session:
            case = make_case(session)
            clerk = staff_actor(session, "clerk1")
            service.act(session, clerk, case=case, data=ActionIn(action="accept"), desk=desk, now=env.clock.now())
            assert case.status == "review" and case.accepted_by == clerk.id
            documents = licence_service.case_documents(session, case.case_no)
            assert [(d.kind, d.title) for d in documents] == [("acceptance", "受理通知书")]

    def test_tolerated_acceptance_needs_a_later_deadline_and_the_gaps(self, env: Any, desk: DocumentDesk) -> None:
        with env.db.unit_of_work() as session:
            case = make_case(session)
            clerk = staff_actor(session, "clerk1")
            data = ActionIn(action="accept_tolerated", note="容缺", tolerated_until=date(2026, 11, 30))
            with pytest.raises(ActionInvalid) as exc:
                service.act(session, clerk, case=case, data=data, desk=desk, now=env.clock.now())
            assert _codes(exc) == {"deadline_required", "missing_required"}
            assert case.status == "submitted"


class TestSupplement:
    def test_the_one_time_list_adds_every_precheck_gap(self, env: Any, desk: DocumentDesk) -> None:
        gap = {"code": "material_missing", "target": "SC-001-M02", "message_zh": "缺少必需材料:章程", "message_en": ""}
        with env.db.unit_of_work() as session:
            case = make_case(session, findings=[gap])
            data = ActionIn(action="supplement", missing=[{"field": "business_scope", "reason": "表述不规范"}])
            service.act(session, staff_actor(session, "clerk1"), case=case, data=data, desk=desk, now=env.clock.now())
            assert case.status == "supplement" and case.stopped_since == date(2026, 11, 30)
            assert {(m["material_code"], m["field"]) for m in case.missing} == {
                (None, "business_scope"),
                ("SC-001-M02", None),
            }


class TestApprove:
    def test_a_registration_puts_a_typed_licence_with_a_new_credit_code_in_the_wallet(
        self, env: Any, desk: DocumentDesk
    ) -> None:
        from smarthall.core.validators import check_uscc

        with env.db.unit_of_work() as session:
            case = make_case(session, status="review", form=generic_form())
            approver = staff_actor(session, "approver1")
            service.act(session, approver, case=case, data=ActionIn(action="approve"), desk=desk, now=env.clock.now())
            assert case.status == "approved" and case.finished_at is not None
            licence = next(
                lic for lic in licence_service.wallet(session, case.citizen_id) if lic.case_no == case.case_no
            )
            fields = licence_service.licence_fields(licence)
            assert licence.type == "营业执照" and fields["name"] == "云澜示例科技有限公司"
            assert fields["uscc"].startswith("91") and check_uscc(fields["uscc"]) is None

    def test_an_item_without_a_result_licence_gets_a_plain_result_record(self, env: Any, desk: DocumentDesk) -> None:
        make_staff(env, username="approver_wj", role="approver", hall_code=HALL, department_code="WJ")
        with env.db.unit_of_work() as session:
            case = make_case(session, status="review", item_code="SC-004")
            for username in ("approver1", "approver_wj"):
                actor = staff_actor(session, username)
                service.act(session, actor, case=case, data=ActionIn(action="approve"), desk=desk, now=env.clock.now())
            assert case.status == "approved" and set(case.reviews) == {"SC", "WJ"}
            licence = next(
                lic for lic in licence_service.wallet(session, case.citizen_id) if lic.case_no == case.case_no
            )
            assert licence.type == "食品经营许可结果"

    def test_only_the_departments_of_the_joint_review_may_decide(self, env: Any, desk: DocumentDesk) -> None:
        with env.db.unit_of_work() as session:
            case = make_case(session, status="review", item_code="SC-004")
            approver = staff_actor(session, "approver2")  # 民政
            with pytest.raises(OutOfDepartment):
                service.act(
                    session, approver, case=case, data=ActionIn(action="approve"), desk=desk, now=env.clock.now()
                )


class TestWarnings:
    def _override(self, env: Any, key: str, value: int) -> None:
        with env.db.unit_of_work() as session:
            rules_service.set_rule(session, SYSTEM, key=key, scope_code=HALL, value=value, now=env.clock.now())

    def test_a_hall_override_of_the_yellow_threshold_changes_the_outcome(self, env: Any) -> None:
        # SC-004 is promised in 3 working days: submitted Monday, due Thursday — yellow under the default of 3.
        with env.db.unit_of_work() as session:
            make_case(session, item_code="SC-004", status="review")
            assert jobs.raise_warnings(session, now=env.clock.now())["yellow"] == 1
        with env.db.unit_of_work() as session:
            make_case(session, item_code="SC-004", status="review")
        self._override(env, "cases.yellow_within_workdays", 2)
        with env.db.unit_of_work() as session:
            counts = jobs.raise_warnings(session, now=env.clock.now())
            assert counts["yellow"] == 0 and counts["checked"] == 2

    def test_the_acceptance_step_limit_is_the_halls_rule(self, env: Any) -> None:
        with env.db.unit_of_work() as session:
            case_no = make_case(session).case_no
        self._override(env, "cases.acceptance_step_workdays", 1)
        env.clock.advance(days=2)  # Wednesday: past one working day after Monday
        with env.db.unit_of_work() as session:
            case = service.case_in_scope(session, SYSTEM, case_no=case_no)
            assert limits.step_due(session, case) == date(2026, 12, 1)
            assert jobs.raise_warnings(session, now=env.clock.now())["step_overdue"] == 1

    def test_with_precheck_gaps_the_supplement_notice_limit_applies(self, env: Any) -> None:
        gap = {"code": "material_missing", "target": "SC-001-M02", "message_zh": "缺", "message_en": ""}
        self._override(env, "cases.supplement_notice_workdays", 2)
        with env.db.unit_of_work() as session:
            complete, gaps = make_case(session), make_case(session, findings=[gap])
            assert limits.step_due(session, complete) == date(2026, 12, 7)  # the acceptance step: 5 working days
            assert limits.step_due(session, gaps) == date(2026, 12, 2)

    def test_the_tolerated_deadline_offered_is_the_halls_rule(self, env: Any) -> None:
        self._override(env, "cases.tolerated_gap_workdays", 3)
        with env.db.unit_of_work() as session:
            case = make_case(session)
            assert service.tolerated_deadline(session, case, now=env.clock.now()) == date(2026, 12, 3)
