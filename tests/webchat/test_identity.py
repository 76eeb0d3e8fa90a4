"""What a host site's signed identity vouches for (OpenID Connect's verified claims)."""

from __future__ import annotations

import time

import pytest

from bot.errors import InboundRejected
from connectors.webchat.signed_identity import sign, verify

SECRET = "a-host-site-secret-of-decent-length"


def claims(**extra: object) -> dict[str, object]:
    return {"sub": "user-42", "exp": int(time.time()) + 600, **extra}


def vouched(**extra: object) -> list[tuple[str, str]]:
    identity = verify(sign(claims(**extra), SECRET), SECRET)
    return [(a.kind, a.value) for a in identity.verified]


def test_the_sites_user_id_is_always_vouched_for() -> None:
    assert vouched() == [("external_id", "user-42")]


def test_an_email_and_a_phone_the_site_verified_are_vouched_for() -> None:
    assert vouched(
        email="Ana@Shop.Example",
        email_verified=True,
        phone_number="+12025550143",
        phone_number_verified=True,
    ) == [("external_id", "user-42"), ("email", "ana@shop.example"), ("phone", "+12025550143")]


@pytest.mark.parametrize(
    "extra",
    [
        {"email": "ana@shop.example"},
        {"email": "ana@shop.example", "email_verified": "true"},
        {"phone_number": "+12025550143"},
        {"phone_number": "+12025550143", "phone_number_verified": 1},
        {"phone_number": "202 555 0143", "phone_number_verified": True},
    ],
    ids=[
        "email unverified",
        "email_verified a string",
        "phone unverified",
        "verified 1",
        "not E.164",
    ],
)
def test_a_claim_the_site_did_not_verify_vouches_for_nothing(extra: dict[str, object]) -> None:
    assert vouched(**extra) == [("external_id", "user-42")]


def test_a_token_signed_with_another_key_is_refused() -> None:
    with pytest.raises(InboundRejected):
        verify(
            sign(claims(phone_number="+12025550143", phone_number_verified=True), "x" * 32), SECRET
        )
