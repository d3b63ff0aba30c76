"""Event history, as CloudTrail's console shows it: the account's events, newest first,
filtered by one lookup attribute and a time range, a page at a time; and one event's
page, with the statements that allowed or denied it and the whole record.

Both pages call CloudTrail's LookupEvents as the signed-in principal, so they are
authorized as ``cloudtrail:LookupEvents``: a caller without it sees AWS's AccessDenied.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from iamd.console.console import Console
from iamd.console.event_filters import (
    ATTRIBUTES,
    PAGE_SIZES,
    Filters,
    Position,
    read_filters,
    read_position,
)
from iamd.console.event_records import evaluations_of, event_row, pretty_record
from iamd.console.page import Page
from iamd.console.web import endpoint
from iamd.errors import AccessDenied, ServiceError

# An event id names one event, whatever its age: look as far back as a trail may keep.
ANY_AGE = timedelta(days=3650)


def event_history(page: Page) -> Response:
    filters, problems = read_filters(page.query)
    position = read_position(page.query)
    context: dict[str, Any] = {
        "section": "events",
        "filters": filters,
        "attributes": ATTRIBUTES,
        "sizes": PAGE_SIZES,
        "token": position.token,
        "problems": problems,
        "error": None,
        "previous_link": _link(filters, position.previous()),
        "next_link": "",
    }
    if problems:
        return page.render(_TEMPLATE, status=400, events=None, **context)
    try:
        params = filters.lookup_params(position.token)
        output = page.actor("LookupEvents", params, service="cloudtrail")
    except AccessDenied:
        raise  # the console's own AccessDenied page
    except ServiceError as error:  # a bad range or token: said above the filters
        context["error"] = error
        return page.render(_TEMPLATE, status=error.status, events=None, **context)
    events = [event_row(event) for event in output["Events"]]
    if "NextToken" in output:
        context["next_link"] = _link(filters, position.next(output["NextToken"]))
    return page.render(_TEMPLATE, events=events, **context)


def _link(filters: Filters, position: Position) -> str:
    """The query string of the page at ``position``, with these filters."""
    return filters.query_string(position.token, position.back)


_TEMPLATE = "event_history.html"


def event_detail(page: Page) -> Response:
    event_id = page.param("event_id")
    attribute = {"AttributeKey": "EventId", "AttributeValue": event_id}
    params = {"LookupAttributes": [attribute], "StartTime": page.now - ANY_AGE}
    found = page.actor("LookupEvents", params, service="cloudtrail")["Events"]
    if not found:
        return page.render("event.html", status=404, section="events", event=None)
    row = event_row(found[0])
    return page.render(
        "event.html",
        section="events",
        event=row,
        evaluations=evaluations_of(row.record),
        record_lines=pretty_record(row).split("\n"),
    )


def routes(console: Console) -> list[BaseRoute]:
    return [
        Route("/iam/event-history", endpoint(console, event_history), methods=["GET"]),
        Route("/iam/event-history/{event_id}", endpoint(console, event_detail), methods=["GET"]),
    ]
