"""The FastAPI application factory."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Query
from fastapi.responses import JSONResponse

from vulndesk import __version__
from vulndesk.bootstrap import Container
from vulndesk.services import cases
from vulndesk.services.ports import CaseFilter


def create_app(container: Container) -> FastAPI:
    app = FastAPI(title="vulndesk", version=__version__, docs_url=None, redoc_url=None)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, Any]:
        return {
            "status": "ok",
            "version": __version__,
            "schema_current": container.schema_is_current(),
        }

    @app.get("/api/v1/cases", tags=["cases"])
    def list_cases(
        limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0)
    ) -> JSONResponse:
        items, total = cases.list_cases(container.deps(), CaseFilter(limit=limit, offset=offset))
        return JSONResponse(
            {
                "total": total,
                "cases": [
                    {
                        "key": c.key,
                        "title": c.title,
                        "state": c.state.value,
                        "unit": c.unit,
                        "cwe": c.cwe,
                        "cvss31_score": c.cvss31_score,
                        "cn_grade": c.cn_grade,
                        "products": list(c.products),
                        "updated_at": c.updated_at.isoformat(),
                    }
                    for c in items
                ],
            }
        )

    return app
