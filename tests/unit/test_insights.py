"""The insights' pure parts: counting a turn from the record before and after it, reading a
period's report from the tallies, and the CSV that a spreadsheet cannot take for formulas."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, timedelta

from bot.desk.insights import fields
from bot.desk.insights.accounting import IDLE_CHECK, InsightPolicy, account
from bot.desk.insights.export import cell, to_csv
from bot.desk.insights.report import report
from bot.format.messages import SystemEvent
from bot.turn.customer import CustomerRecord, Handoff
from tests.helpers import NOW, text_event

POLICY = InsightPolicy()
IN_FLOW = {"stack": [{"flow": "order", "step": "order_id"}]}
DAY = NOW.date().isoformat()
LATER = (NOW + timedelta(hours=25)).date().isoformat()


class Script:
    """One customer's turns, counted as the pipeline counts them."""

    def __init__(self) -> None:
        self.record = CustomerRecord.new("c1", NOW).model_copy(update={"language": "en"})
        self.counts: Counter[tuple[str, str]] = Counter()

    def turn(self, item: object, minutes: float, **after: object) -> None:
        """A turn ``minutes`` after NOW, ``after`` what the handler changed."""
        at = NOW + timedelta(minutes=minutes)
        changed = self.record.model_copy(update={"updated_at": at, **after})
        self.record, counted = account(POLICY, self.record, changed, item, [])
        self.counts.update(counted.counts)

    def says(self, minutes: float, **after: object) -> None:
        self.turn(text_event("hi", user="+12025550100", channel="sms"), minutes, **after)


def test_a_conversation_left_in_a_flow_is_abandoned_when_its_customer_comes_back_late() -> None:
    script = Script()
    script.says(0, dialog=IN_FLOW)
    script.says(60 * 25)  # no idle check ran: closed now, lazily
    assert script.counts == {
        (DAY, fields.table("sms", "en", "conversations")): 1,
        (DAY, fields.table("sms", "en", "abandoned")): 1,
        (DAY, fields.dropped("order", "order_id")): 1,
        (DAY, fields.table("sms", "en", "recontacted")): 1,  # 25 h after: within 7 days
        (
            (NOW + timedelta(hours=25)).date().isoformat(),
            fields.table("sms", "en", "conversations"),
        ): 1,
    }


def test_messages_within_the_idle_time_are_one_conversation_and_count_nothing_more() -> None:
    script = Script()
    for minutes in (0, 5, 60, 60 * 23):
        script.says(minutes)
    assert script.counts == {(DAY, fields.table("sms", "en", "conversations")): 1}
    visit = script.record.insight.open
    assert visit is not None
    assert visit.last_at == NOW + timedelta(minutes=60 * 23)


def test_the_idle_check_leaves_a_conversation_on_the_desk_alone() -> None:
    script = Script()
    script.says(0)
    script.says(1, handoff=Handoff(status="waiting", since=NOW, reason="x"))
    script.turn(SystemEvent(name=IDLE_CHECK), 60 * 30)
    assert script.record.insight.open is not None
    assert (DAY, fields.table("sms", "en", "contained")) not in script.counts
    assert script.counts[(DAY, fields.why(None, None, "x"))] == 1
    script.turn(SystemEvent(name=IDLE_CHECK), 60 * 31, handoff=Handoff())  # let go, unanswered
    assert script.record.insight.open is None
    assert (DAY, fields.table("sms", "en", "contained")) not in script.counts


def test_a_period_reports_the_bucket_under_which_half_and_nine_in_ten_fall() -> None:
    day = {
        fields.timed("sms", "en", "first_response", 30): 5,
        fields.timed("sms", "en", "first_response", 200): 4,
        fields.timed("sms", "en", "first_response", 10**7): 1,
        fields.table("sms", "en", "handed_off"): 10,
    }
    found = report(date(2026, 11, 22), date(2026, 11, 22), {"2026-11-22": day}, {})
    [sms, total] = found.rows
    assert (sms["first_response_median_s"], sms["first_response_p90_s"]) == (60, 300)
    assert total["handed_off"] == 10
    assert sms["resolution_median_s"] is None


def test_cells_a_spreadsheet_would_run_as_formulas_are_written_as_text() -> None:
    for dangerous in ('=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert cell(dangerous) == "'" + dangerous
    assert cell("order_id") == "order_id"
    assert cell(12) == "12"
    assert cell(None) == ""
    day = {fields.why("order", "ask", '=HYPERLINK("http://evil","x")'): 1}
    found = report(date(2026, 11, 22), date(2026, 11, 22), {"2026-11-22": day}, {})
    [row] = list(csv.DictReader(io.StringIO(to_csv(found, "handoffs"))))
    assert row["reason"] == '\'=HYPERLINK("http://evil","x")'
    assert row["title"] == "Order"


def test_flows_and_steps_without_a_title_or_label_are_named_in_words() -> None:
    day = {
        fields.dropped("find_order", "not_found_next"): 2,
        fields.dropped("order_status", "order_id"): 1,
        fields.table("webchat", "pt-BR", "abandoned"): 3,
    }
    titles, labels = {"order_status": "Order status"}, {"order_id": "Order number"}
    found = report(date(2026, 11, 22), date(2026, 11, 22), {"2026-11-22": day}, titles, labels)
    assert [(r["title"], r["step_title"]) for r in found.abandoned] == [
        ("Find order", "Not found next"),
        ("Order status", "Order number"),
    ]
    [webchat, total] = found.rows
    assert (webchat["channel_name"], webchat["language_name"]) == ("Web chat", "Português (Brasil)")
    assert (total["channel_name"], total["language_name"]) == ("All channels", "all languages")


def test_a_name_cannot_break_a_field_into_parts() -> None:
    assert fields.why("a|b", "c\nd", None) == "why|a_b|c_d|-"
