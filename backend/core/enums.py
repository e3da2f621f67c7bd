"""Vocabulary shared by several domains."""

import enum


class Locale(enum.Enum):
    EN = "en"
    TH = "th"


class OperationsStream(enum.Enum):
    BODY = "BODY"
    MECHANICAL = "MECHANICAL"
    ELECTRICAL = "ELECTRICAL"
    INTERIOR = "INTERIOR"
