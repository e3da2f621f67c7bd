"""Vocabulary shared by several domains."""

import enum

from backend.core.i18n import N_, register_labels


class Locale(enum.Enum):
    EN = "en"
    TH = "th"


class OperationsStream(enum.Enum):
    BODY = "BODY"
    MECHANICAL = "MECHANICAL"
    ELECTRICAL = "ELECTRICAL"
    INTERIOR = "INTERIOR"


STREAM_LABELS = register_labels({
    OperationsStream.BODY: N_("body"),
    OperationsStream.MECHANICAL: N_("mechanical"),
    OperationsStream.ELECTRICAL: N_("electrical"),
    OperationsStream.INTERIOR: N_("interior"),
})


class RevenueStream(enum.Enum):
    WALK_IN = "WALK_IN"
    SCHEDULED = "SCHEDULED"
    SPARE_PARTS = "SPARE_PARTS"
