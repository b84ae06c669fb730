"""Answering coders' questions: understanding -> rules engine -> retrieval -> writer (offline or LLM) -> guard.

Importing this package loads no model and opens no connection; `AnswerPipeline`/`make_pipeline` build them lazily.
"""

from advisor.answer.model import Answer, AskRequest, Citation, Understanding

__all__ = ["Answer", "AskRequest", "Citation", "Understanding"]
