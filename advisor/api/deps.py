"""FastAPI dependencies: the app's Services (advisor.services), which tests override through app.state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from advisor.services import Services


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]
