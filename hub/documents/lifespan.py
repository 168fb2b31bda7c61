"""Accessor of the document service for controllers (built in hub.services)."""

from __future__ import annotations

from typing import Any

from hub.documents.service import DocumentService


def document_service(state: Any) -> DocumentService:
    service: DocumentService = state.documents
    return service
