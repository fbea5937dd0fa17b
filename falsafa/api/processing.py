"""``POST /character/processing``: validate a book, queue its job, answer 202.

The workflow is ``falsafa.jobs.intake``; this handler parses the body and
maps the outcome to HTTP. Errors: 400 malformed body; 422 missing book,
wrong user, bad extension, URL outside storage, binary/empty/undecodable/
oversized file; 500 when the store, storage or Redis fail (a JSON body,
never a traceback).
"""

from __future__ import annotations

from quart import Blueprint, Response, current_app, request

from falsafa.api.bodies import parse_processing
from falsafa.errors import ApiError, json_response
from falsafa.jobs.intake import Accepted, Intake
from falsafa.logs import log_context

__all__ = ["blueprint"]

blueprint = Blueprint("processing", __name__)

_STATUS = {"invalid": 422, "unavailable": 500}


@blueprint.post("/character/processing")
async def submit_book() -> Response:
    intake: Intake = current_app.extensions["falsafa"].intake
    body = parse_processing(await request.get_data(cache=False))
    with log_context(book_id=str(body.book_id)):
        outcome = await intake.submit(body)
    if isinstance(outcome, Accepted):
        return json_response({"status": "accepted", "job_id": outcome.job_id}, 202)
    raise ApiError(_STATUS[outcome.kind], outcome.reason)
