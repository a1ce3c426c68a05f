"""Typed SQLAlchemy models, one module per area; importing this package registers every table."""

from domain.model.base import Base
from domain.model.ops import AuditLog, OutboxJob, ProcessedUpdate
from domain.model.org import Holiday, Organization, SystemConfig
from domain.model.people import (
    Course,
    CourseTeacher,
    Enrollment,
    Invite,
    Membership,
    Role,
    SchoolClass,
    User,
)

__all__ = [
    "AuditLog",
    "Base",
    "Course",
    "CourseTeacher",
    "Enrollment",
    "Holiday",
    "Invite",
    "Membership",
    "Organization",
    "OutboxJob",
    "ProcessedUpdate",
    "Role",
    "SchoolClass",
    "SystemConfig",
    "User",
]
