"""Typed SQLAlchemy models, one module per area; importing this package registers every table."""

from domain.model.base import Base
from domain.model.messaging import Notification, NotificationPrefs, StoredFile, Upload
from domain.model.ops import AuditLog, OutboxJob, ProcessedUpdate
from domain.model.org import Holiday, Organization, SystemConfig
from domain.model.people import (
    ClassTeacher,
    Course,
    CourseTeacher,
    Enrollment,
    Invite,
    Membership,
    ParentLink,
    Role,
    SchoolClass,
    Student,
    User,
)

__all__ = [
    "AuditLog",
    "Base",
    "ClassTeacher",
    "Course",
    "CourseTeacher",
    "Enrollment",
    "Holiday",
    "Invite",
    "Membership",
    "Notification",
    "NotificationPrefs",
    "Organization",
    "OutboxJob",
    "ParentLink",
    "ProcessedUpdate",
    "Role",
    "SchoolClass",
    "StoredFile",
    "Student",
    "SystemConfig",
    "Upload",
    "User",
]
