"""The store's actions: looking orders up, registering returns, changing a delivery address.

Orders come from ``data/orders.json`` (a stand-in for the store's order system); nothing is ever
written back. Texts that depend on the customer's language (item names, dates, prices) are
prepared here, so that the flows only place them in their sentences.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dialogs.actions import ActionContext, action

ORDERS = Path(__file__).parent / "data" / "orders.json"
RETURN_DAYS = 30
"""Days after delivery during which an order can be exchanged or returned."""

STORES: dict[str, dict[str, str]] = {
    "Paulista": {"address": "Av. Paulista 1578, São Paulo - SP"},
    "Ipanema": {"address": "Rua Visconde de Pirajá 351, Rio de Janeiro - RJ"},
    "Savassi": {"address": "Rua Pernambuco 1000, Belo Horizonte - MG"},
    "Batel": {"address": "Av. do Batel 1868, Curitiba - PR"},
}
STORE_HOURS = {
    "en": "Monday to Saturday 10am to 10pm, Sunday 2pm to 8pm",
    "pt": "de segunda a sábado das 10h às 22h, domingo das 14h às 20h",
}

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "pt": (
        "segunda-feira",
        "terça-feira",
        "quarta-feira",
        "quinta-feira",
        "sexta-feira",
        "sábado",
        "domingo",
    ),
}
_AND = {"en": "and", "pt": "e"}
_CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


@action(context=True)
async def lookup_order(order_id: str, today: str, context: ActionContext) -> dict[str, Any]:
    """The order ``order_id`` as the flows show it, with what may be done with it today.

    ``found`` is false for an unknown number. ``return_status`` is ``ok``, ``not_delivered``,
    ``cancelled`` or ``too_old`` (delivered more than :data:`RETURN_DAYS` days ago);
    ``can_change_address`` holds while the order has not left the warehouse.
    """
    order_id = order_id.strip().upper()
    order = _orders().get(order_id)
    if order is None:
        return {"found": False, "id": order_id}
    language = _language(context)
    day = _day(today)
    delivered = _optional_date(order.get("delivered"))
    return_until = delivered + timedelta(days=RETURN_DAYS) if delivered else None
    return {
        "found": True,
        "id": order_id,
        "status": order["status"],
        "email": order["email"],
        "products": _products(order["items"], language),
        "total": _money(order["total"], language),
        "address": order["address"],
        "postcode": order["postcode"],
        "carrier": order.get("carrier"),
        "tracking": order.get("tracking"),
        "tracking_url": order.get("tracking_url"),
        **{
            key: _show_date(_optional_date(order.get(key)), language)
            for key in ("placed", "ships_by", "shipped", "eta", "delivered", "cancelled")
        },
        "return_status": _return_status(order["status"], return_until, day),
        "return_until": _show_date(return_until, language),
        "can_change_address": order["status"] == "processing",
    }


@action(context=True)
async def format_date(day: str, context: ActionContext) -> str:
    """An ISO date as the customer reads it, with its weekday: "Saturday, Nov 21, 2026"."""
    language = _language(context)
    parsed = _day(day)
    return f"{_WEEKDAYS[language][parsed.weekday()]}, {_show_date(parsed, language)}"


@action(context=True)
async def create_return(
    order_id: str,
    kind: str,
    reason: str,
    method: str,
    email: str,
    context: ActionContext,
    details: str = "",
    store: str = "",
    pickup_date: str = "",
    pickup_address: str = "",
    phone: str = "",
) -> dict[str, Any]:
    """Register an exchange or a return and give its code (``RT-`` and six characters).

    A real store would record it in its order system and email the label; the example makes up
    the code and answers with what it would have recorded, and where to take the item.
    """
    if kind not in ("exchange", "return") or method not in ("store", "courier"):
        raise ValueError(f"unknown kind {kind!r} or method {method!r}")
    if method == "store" and store not in STORES:
        raise ValueError(f"unknown store {store!r}")
    code = "RT-" + "".join(secrets.choice(_CODE_LETTERS) for _ in range(6))
    language = _language(context)
    at_store = method == "store"
    return {
        "code": code,
        "order_id": order_id,
        "kind": kind,
        "reason": reason,
        "details": details or None,
        "method": method,
        "store": store if at_store else None,
        "store_address": STORES[store]["address"] if at_store else None,
        "store_hours": STORE_HOURS[language] if at_store else None,
        "pickup_date": None if at_store else pickup_date,
        "pickup_address": None if at_store else pickup_address,
        "phone": None if at_store else phone or None,
        "email": email,
    }


@action
async def update_address(order_id: str, address: str, postcode: str) -> dict[str, Any]:
    """Change the delivery address of an order that has not shipped (nothing is written: the
    example only answers as the order system would)."""
    order = _orders().get(order_id)
    if order is None or order["status"] != "processing":
        raise ValueError(f"order {order_id!r} cannot change its address")
    digits = re.sub(r"\D", "", postcode)
    return {
        "order_id": order_id,
        "address": " ".join(address.split()),
        "postcode": f"{digits[:5]}-{digits[5:]}",
    }


def _orders() -> dict[str, dict[str, Any]]:
    orders: dict[str, dict[str, Any]] = json.loads(ORDERS.read_text(encoding="utf-8"))
    return orders


def _language(context: ActionContext) -> str:
    base = context.language.split("-")[0]
    return base if base in _AND else "en"


def _day(text: str) -> date:
    return date.fromisoformat(text) if text else date.today()


def _optional_date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _return_status(status: str, until: date | None, today: date) -> str:
    if status == "cancelled":
        return "cancelled"
    if status != "delivered" or until is None:
        return "not_delivered"
    return "ok" if today <= until else "too_old"


def _show_date(day: date | None, language: str) -> str | None:
    if day is None:
        return None
    if language == "pt":
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def _products(items: list[dict[str, str]], language: str) -> str:
    names = [item.get(language) or item["en"] for item in items]
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} {_AND[language]} {names[-1]}"


def _money(amount: float, language: str) -> str:
    shown = f"{amount:,.2f}"
    if language == "pt":
        return "R$ " + shown.replace(",", "_").replace(".", ",").replace("_", ".")
    return "R$" + shown
