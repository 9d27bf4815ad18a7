"""The request boundary of the licences domain: the ``DocumentDesk`` built from the app's settings and signer."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import Depends, Request

from smarthall.licences.service import DocumentDesk


async def get_desk(request: Request) -> DocumentDesk:
    """No I/O: the settings and the signer the app was created with. Without ``SMARTHALL_PUBLIC_BASE_URL`` the
    verification address in a document's QR code is built on the host the request came to (absolute either way)."""
    desk = DocumentDesk.from_settings(request.app.state.settings, request.app.state.signer)
    if not desk.public_base_url:
        desk = dataclasses.replace(desk, public_base_url=str(request.base_url).rstrip("/"))
    return desk


Desk = Annotated[DocumentDesk, Depends(get_desk)]
