"""Who acts where: the acting organization and role checks."""

from __future__ import annotations

import pytest

from domain.access import Actor, MembershipView
from domain.errors import Forbidden
from domain.model.people import Role


def _actor(*ms: tuple[int, Role], current: int | None = None) -> Actor:
    return Actor(
        user_id=1, telegram_id=10, first_name="A", language="en",
        memberships=tuple(MembershipView(i, org, f"Org{org}", role) for i, (org, role) in enumerate(ms)),
        current_org_id=current,
    )


def test_single_organization_is_acting_without_a_choice() -> None:
    a = _actor((1, Role.TEACHER), (1, Role.PARENT))
    assert a.org_id == 1
    assert a.roles == {Role.TEACHER, Role.PARENT}
    assert a.require(Role.TEACHER).org_id == 1


def test_several_organizations_need_a_choice() -> None:
    a = _actor((1, Role.TEACHER), (2, Role.ADMIN))
    assert a.org_id is None
    with pytest.raises(Forbidden):
        a.require(Role.TEACHER)
    chosen = _actor((1, Role.TEACHER), (2, Role.ADMIN), current=2)
    assert chosen.roles == {Role.ADMIN}
    with pytest.raises(Forbidden):
        chosen.require(Role.TEACHER)  # a teacher elsewhere is not a teacher here


def test_no_membership_is_forbidden() -> None:
    with pytest.raises(Forbidden) as info:
        _actor().require(Role.STUDENT)
    assert "Join your school first" in str(info.value)
    with pytest.raises(Forbidden) as info:
        _actor((1, Role.PARENT)).require(Role.TEACHER, Role.ADMIN)
    assert str(info.value) == "Only teachers and admins can do this."
