"""Who is acting: a user with their memberships, and the organization they act in.

Every service that touches organization data takes an ``Actor`` and filters by the acting
membership's organization; role checks live here so they read the same everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.errors import N_, Forbidden
from domain.model.people import Role


@dataclass(frozen=True)
class MembershipView:
    membership_id: int
    org_id: int
    org_name: str
    role: Role


@dataclass(frozen=True)
class Actor:
    user_id: int
    telegram_id: int
    first_name: str
    language: str
    memberships: tuple[MembershipView, ...] = field(default_factory=tuple)
    current_org_id: int | None = None

    @property
    def org_ids(self) -> list[int]:
        seen: list[int] = []
        for m in self.memberships:
            if m.org_id not in seen:
                seen.append(m.org_id)
        return seen

    @property
    def org_id(self) -> int | None:
        """The organization this actor acts in: the chosen one, or the only one."""
        orgs = self.org_ids
        if self.current_org_id in orgs:
            return self.current_org_id
        return orgs[0] if len(orgs) == 1 else None

    @property
    def org_name(self) -> str | None:
        for m in self.memberships:
            if m.org_id == self.org_id:
                return m.org_name
        return None

    @property
    def roles(self) -> frozenset[Role]:
        """Roles in the acting organization."""
        return frozenset(m.role for m in self.memberships if m.org_id == self.org_id)

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    def membership(self, role: Role) -> MembershipView | None:
        for m in self.memberships:
            if m.org_id == self.org_id and m.role == role:
                return m
        return None

    def require(self, *roles: Role) -> MembershipView:
        """The acting membership with one of ``roles`` (in the order given), or Forbidden."""
        if self.org_id is None and len(self.org_ids) > 1:
            raise Forbidden(N_("You belong to several organizations; choose the one to act in with /switch."))
        for role in roles:
            m = self.membership(role)
            if m is not None:
                return m
        if not self.memberships:
            raise Forbidden(N_("Join your school first: open the invite link you were sent, or paste its code here."))
        raise Forbidden(_ONLY.get(frozenset(roles), N_("You are not allowed to do this.")))


_ONLY: dict[frozenset[Role], str] = {
    frozenset({Role.TEACHER}): N_("Only teachers can do this."),
    frozenset({Role.ADMIN}): N_("Only admins can do this."),
    frozenset({Role.PARENT}): N_("Only parents can do this."),
    frozenset({Role.STUDENT}): N_("Only students can do this."),
    frozenset({Role.TEACHER, Role.ADMIN}): N_("Only teachers and admins can do this."),
    frozenset({Role.STUDENT, Role.PARENT}): N_("Only students and parents can do this."),
    frozenset({Role.STUDENT, Role.TEACHER}): N_("Only students and teachers can do this."),
}
