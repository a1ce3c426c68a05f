"""Declarative base for every table: naming convention for constraints, common column types."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from sqlalchemy import BigInteger, DateTime, Identity, MetaData, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BigId = Annotated[int, mapped_column(BigInteger, Identity(always=False), primary_key=True)]
Timestamp = Annotated[dt.datetime, mapped_column(DateTime(timezone=True))]
CreatedAt = Annotated[dt.datetime, mapped_column(DateTime(timezone=True), server_default=func.now())]
Json = Annotated[Any, mapped_column(JSONB)]


class Base(DeclarativeBase):
    """All models inherit from this; every timestamp is timestamptz."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012
        dt.datetime: DateTime(timezone=True),
        int: BigInteger,
    }


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


__all__ = ["Base", "BigId", "CreatedAt", "Json", "Mapped", "Timestamp", "mapped_column", "utcnow"]
