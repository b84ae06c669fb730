"""Feedback export: CSV that opens safely in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from advisor.spreadsheet import safe_cell
from advisor.store.models import FeedbackRow

CSV_COLUMNS = [
    "id",
    "created",
    "answer_id",
    "conversation_id",
    "rating",
    "comment",
    "verdict",
    "engine",
    "knowledge_version",
    "question",
    "answer",
]


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return safe_cell(text)


def feedback_csv(rows: Iterable[FeedbackRow]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        data = row.model_dump()
        writer.writerow([_cell(data.get(col)) for col in CSV_COLUMNS])
    return buf.getvalue()
