"""Building an HTTP action's request: values where the designer put them, and nowhere else."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogs.actions.http import HttpAction, HttpCall, RequestRefused, compile_http
from tests.dialogs.kit import bot_folder, talk

ENVIRON = {"CARRIER_TOKEN": "t0ken-from-env", "TWILIO_AUTH_TOKEN": "the-real-twilio-token"}


def compiled(**spec: object) -> HttpCall:
    call, problems = compile_http(HttpAction.model_validate(spec))
    assert problems == []
    assert call is not None
    return call


def scope(**args: object) -> dict[str, object]:
    return {"args": args, "slots": {}, "profile": {}}


PARCELS = compiled(
    url="https://carrier.example.com/v1/parcels/{{ args.code }}?lang={{ args.lang }}#{{ args.at }}",
    headers={"Authorization": "Bearer ${CARRIER_TOKEN}", "X-Ref": "{{ args.code }}"},
)


@pytest.mark.parametrize(
    ("code", "path"),
    [
        ("QB123456789BR", "/v1/parcels/QB123456789BR"),
        ("../../echo?", "/v1/parcels/..%2F..%2Fecho%3F"),
        ("a/b", "/v1/parcels/a%2Fb"),
        ("a b#c", "/v1/parcels/a%20b%23c"),
        ("%2E%2E", "/v1/parcels/%252E%252E"),
        ("ação", "/v1/parcels/a%C3%A7%C3%A3o"),
    ],
)
def test_a_value_in_the_path_is_one_segment(code: str, path: str) -> None:
    request = PARCELS.request(scope(code=code, lang="en", at="x"), ENVIRON)
    assert request.url == f"https://carrier.example.com{path}?lang=en#x"


def test_a_value_in_the_query_or_fragment_is_one_component() -> None:
    request = PARCELS.request(scope(code="A", lang="en&admin=1", at="#top?x"), ENVIRON)
    assert request.url == "https://carrier.example.com/v1/parcels/A?lang=en%26admin%3D1#%23top%3Fx"


@pytest.mark.parametrize("code", ["", ".", "..", None])
def test_a_value_that_would_not_be_a_segment_sends_nothing(code: str | None) -> None:
    with pytest.raises(RequestRefused, match=r"^the URL path: a value in the path is empty"):
        PARCELS.request(scope(code=code, lang="en", at="x"), ENVIRON)


def test_environment_references_come_from_the_designers_text_only() -> None:
    request = PARCELS.request(scope(code="${TWILIO_AUTH_TOKEN}", lang="en", at="x"), ENVIRON)
    assert request.headers == {
        "Authorization": "Bearer t0ken-from-env",
        "X-Ref": "${TWILIO_AUTH_TOKEN}",
    }
    assert "the-real-twilio-token" not in request.url


def test_a_reference_may_sit_inside_a_designers_condition() -> None:
    call = compiled(
        url="https://carrier.example.com/v1/me",
        headers={"Authorization": "{% if args.signed %}Bearer ${CARRIER_TOKEN}{% endif %}"},
    )
    assert call.request(scope(signed=True), ENVIRON).headers == {
        "Authorization": "Bearer t0ken-from-env"
    }
    assert call.request(scope(signed=False), ENVIRON).headers == {"Authorization": ""}


@pytest.mark.parametrize("ref", ["A\r\nX-Injected: 1", "A\nB", "A\rB", "A\x00B", "A\x7fB"])
def test_a_header_with_a_line_break_or_a_control_character_sends_nothing(ref: str) -> None:
    with pytest.raises(RequestRefused) as refused:
        PARCELS.request(scope(code=ref, lang="en", at="x"), ENVIRON)
    assert str(refused.value) == (
        "the header X-Ref would hold a line break or another control character"
    )


def test_a_tab_in_a_header_is_allowed() -> None:
    call = compiled(url="https://h.example/x", headers={"X-Ref": "{{ args.ref }}"})
    assert call.request(scope(ref="A\tB"), ENVIRON).headers == {"X-Ref": "A\tB"}


def test_an_unset_environment_variable_sends_nothing_and_says_which() -> None:
    with pytest.raises(RequestRefused) as refused:
        PARCELS.request(scope(code="A", lang="en", at="x"), {})
    assert str(refused.value) == "${CARRIER_TOKEN} (header Authorization) is not set on this server"


def test_a_failing_template_beside_a_secret_does_not_show_the_secret() -> None:
    call = compiled(url="https://h.example/x", headers={"X-Key": "${CARRIER_TOKEN}{{ 1 / 0 }}"})
    with pytest.raises(RequestRefused) as refused:
        call.request(scope(), ENVIRON)
    assert str(refused.value) == "the header X-Key: template failed: ZeroDivisionError"


def test_the_body_is_rendered_and_sent_as_json() -> None:
    call = compiled(
        method="POST",
        url="https://h.example/tickets",
        body={"subject": "{{ args.subject }}", "tags": ["bot", "{{ args.tag }}"], "n": 2},
    )
    request = call.request(scope(subject="Zip stuck ${TWILIO_AUTH_TOKEN}", tag="web"), ENVIRON)
    assert request.body == {
        "subject": "Zip stuck ${TWILIO_AUTH_TOKEN}",
        "tags": ["bot", "web"],
        "n": 2,
    }


async def test_an_action_that_sends_nothing_fails_with_a_note_naming_the_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    chat = talk(
        bot_folder(
            tmp_path,
            """
            actions:
              remote:
                http:
                  url: "http://127.0.0.1:9/orders"
                  headers: {Authorization: "Bearer ${NOT_SET_ANYWHERE}"}
            flows:
              remote:
                triggers: {en: [remote]}
                steps:
                  - call: remote
            """,
        )
    )
    assert await chat.say("remote") == [
        "Sorry, something went wrong on our side. Please try again in a moment."
    ]
    assert chat.notes[-1].text == (
        "HTTP action 'remote' sent nothing: "
        "${NOT_SET_ANYWHERE} (header Authorization) is not set on this server"
    )
    await chat.engine.aclose()
