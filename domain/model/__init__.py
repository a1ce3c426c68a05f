"""Typed SQLAlchemy models, one module per area; importing this package registers every table."""

from domain.model.base import Base
from domain.model.messaging import Notification, NotificationPrefs, StoredFile, Upload
from domain.model.obe import (
    Assessment,
    AssessmentItem,
    AttainmentCache,
    CoPo,
    CourseOutcome,
    Mark,
    OutcomeSet,
    ProgramOutcome,
    Survey,
    SurveyResponse,
)
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
    "Assessment",
    "AssessmentItem",
    "AttainmentCache",
    "AuditLog",
    "Base",
    "ClassTeacher",
    "CoPo",
    "Course",
    "CourseOutcome",
    "CourseTeacher",
    "Enrollment",
    "Holiday",
    "Invite",
    "Mark",
    "Membership",
    "Notification",
    "NotificationPrefs",
    "Organization",
    "OutboxJob",
    "OutcomeSet",
    "ParentLink",
    "ProcessedUpdate",
    "ProgramOutcome",
    "Role",
    "SchoolClass",
    "StoredFile",
    "Student",
    "Survey",
    "SurveyResponse",
    "SystemConfig",
    "Upload",
    "User",
]
