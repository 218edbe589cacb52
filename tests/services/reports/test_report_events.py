"""Report steps in the event stream: drafted, submitted, filed, retracted, by
destination; and the time from detection to report filed for real review items."""

from __future__ import annotations

from brightline.services.reports import Reporting, service
from brightline.services.stats import report
from reports_helpers import SENIOR, ReviewDouble


def figures(reporting: Reporting) -> dict[str, object]:
    q = report.make_query("2020-01-01", "2035-12-31", "year", ["destination"])
    return report.as_json(report.figures(reporting.store, q), hide=False)


def test_report_steps_are_counted_by_destination(reporting: Reporting, desk: ReviewDouble) -> None:
    desk.confirm(1, user="alice")
    desk.confirm(2, user="bob", report_to=("ncmec", "nca"))
    drafts = {
        (d["destination"], d["reported_user"]): d["id"]
        for d in service.list_reports(reporting.store, reporting.settings)
    }
    reporting.send(drafts[("ncmec", "id:alice")], SENIOR)
    driver = reporting.driver()
    try:
        for _ in range(50):
            if driver.drive(drafts[("ncmec", "id:alice")]) == "finished":
                break
    finally:
        driver.close()
    reporting.retract(drafts[("nca", "id:bob")], SENIOR)
    data = figures(reporting)
    by_dest = {r["destination"]: r for r in data["rows"]}  # type: ignore[attr-defined]
    assert by_dest["ncmec"]["reports_drafted"] == 2 and by_dest["nca"]["reports_drafted"] == 1
    assert by_dest["ncmec"]["reports_submitted"] == 1 and by_dest["ncmec"]["reports_filed"] == 1
    assert by_dest["nca"]["reports_retracted"] == 1 and by_dest["nca"]["reports_filed"] == 0
    assert data["totals"]["reports_filed"] == 1  # type: ignore[index]
