"""The request boundary of the licences domain: the ``DocumentDesk`` built from the app's settings and signer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from smarthall.licences.service import DocumentDesk


async def get_desk(request: Request) -> DocumentDesk:
    """No I/O: the settings and the signer the app was created with."""
    return DocumentDesk.from_settings(request.app.state.settings, request.app.state.signer)


Desk = Annotated[DocumentDesk, Depends(get_desk)]
