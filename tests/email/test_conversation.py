"""The example store bot over e-mail: received mail posted to ``/email/inbound``, answers
received by a real SMTP server."""

from __future__ import annotations

from email.message import EmailMessage

from connectors.email.attachments import MAX_REQUEST
from connectors.email.inbound import OURS
from tests.email.kit import BOT_ADDRESS, CUSTOMER, TOKEN, EmailBot, mail

WELCOME = "Hi! I'm the Store's assistant."


async def test_a_mail_is_answered_by_smtp_as_standard_mime_in_the_thread(store: EmailBot) -> None:
    first = mail("hi")
    assert (await store.post(first))[0] == 202
    [received] = await store.smtp.wait(1)
    answer = received.message
    assert received.recipients == [CUSTOMER]
    assert (answer["From"], answer["To"]) == (BOT_ADDRESS, CUSTOMER)
    assert OURS.fullmatch(str(answer["Message-ID"]))
    assert answer["In-Reply-To"] == first["Message-ID"] == answer["References"]
    assert answer["List-Unsubscribe"] is None  # an answer, not a message the business started
    assert answer.get_content_type() == "multipart/alternative"
    plain = answer.get_body(preferencelist=("plain",))
    html = answer.get_body(preferencelist=("html",))
    assert plain is not None
    assert html is not None
    assert plain.get_content().startswith(WELCOME)
    assert "1. Order status" in plain.get_content()  # buttons as numbered options
    assert "I&#x27;m the Store&#x27;s assistant" in html.get_content()  # escaped
    [event] = await store.inputs()
    assert [a.value for a in event.verified] == [CUSTOMER]


async def test_a_reply_in_the_thread_goes_on_in_the_same_conversation(store: EmailBot) -> None:
    await store.post(mail("hi"))
    [first] = await store.smtp.wait(1)
    assert (await store.post(mail("1", reply_to=first.message)))[0] == 202
    _, second = await store.smtp.wait(2)
    body = second.message.get_body(preferencelist=("plain",))
    assert body is not None
    assert body.get_content().startswith("What's your order number?")
    assert second.message["Subject"] == first.message["Subject"]
    inputs = await store.inputs()
    assert [(e.kind, e.payload) for e in inputs] == [
        ("text", None),
        ("button", "flow:order_status"),
    ]
    assert inputs[0].address.conversation_id == inputs[1].address.conversation_id


async def test_a_wrong_bearer_token_is_refused_and_nothing_is_stored(store: EmailBot) -> None:
    for token in ("", "wrong-token-0123456789abcdef", TOKEN + "x"):
        assert (await store.post(mail("hi"), token=token))[0] == 401
    await store.settle()
    assert await store.customer() is None
    assert store.smtp.inbox.received == []


async def test_malformed_huge_and_mistyped_bodies_are_refused(store: EmailBot) -> None:
    assert (await store.post(b"this is not a mail message"))[0] == 400
    assert (await store.post(b"From: a@b.example, c@d.example\r\n\r\nhi"))[0] == 400
    assert (await store.post(b""))[0] == 400
    assert (await store.post(mail("hi"), content_type="text/plain"))[0] == 415
    huge = mail("x" * MAX_REQUEST)  # the route's own cap, above every other route's
    assert (await store.post(huge))[0] == 413
    await store.settle()
    assert await store.customer() is None


async def test_an_odd_charset_and_html_only_mail_are_read_as_text(store: EmailBot) -> None:
    assert (await store.post(mail("olá, preciso de ajuda", charset="iso-8859-1")))[0] == 202
    html = "<html><body><p>Where is <b>my</b> order?</p><blockquote>old</blockquote></body></html>"
    assert (await store.post(mail(html=html)))[0] == 202
    for charset in (b"koi8-r", b"x-nobody-knows"):
        raw = (
            b"Authentication-Results: mx.shop.example; dmarc=pass\r\n"
            b"From: ana@customer.example\r\nMessage-ID: <" + charset + b"@customer.example>\r\n"
            b"Content-Type: text/plain; charset=" + charset + b"\r\n"
            b"Content-Transfer-Encoding: 8bit\r\n\r\n\xf0\xd2\xc9\xd7\xc5\xd4\r\n"
        )
        assert (await store.post(raw))[0] == 202
    await store.settle()
    texts = [event.text for event in await store.inputs()]
    assert texts[:3] == ["olá, preciso de ajuda", "Where is my order?", "Привет"]
    assert texts[3] is not None
    assert "\ufffd" in texts[3]


async def test_a_duplicate_message_id_is_processed_once(store: EmailBot) -> None:
    message = mail("hi")
    assert (await store.post(message))[0] == 202
    assert (await store.post(message))[0] == 202
    await store.smtp.wait(1)
    await store.settle()
    assert len(await store.inputs()) == 1
    assert len(store.smtp.inbox.received) == 1


async def test_a_forged_from_reaches_no_ones_conversation(store: EmailBot) -> None:
    await store.post(mail("hi"))
    [genuine] = await store.smtp.wait(1)
    # the attacker's own "pass" below the receiving server's header: only the topmost counts
    underneath = mail("1", authenticated="spf=fail smtp.mailfrom=attacker.example")
    underneath["Authentication-Results"] = "mx.shop.example; dmarc=pass"
    forgeries = [
        underneath,
        mail("1", authenticated=None),
        mail("1", authserv="mx.attacker.example"),
        mail("1", authenticated="dmarc=fail header.from=customer.example"),
        mail("1", authenticated="dkim=pass header.d=attacker.example"),
    ]
    over_the_limit = mail("1", authenticated="dmarc=pass header.from=attacker.example")
    for forged in [*forgeries, over_the_limit]:
        assert (await store.post(forged))[0] == 202
    await store.smtp.wait(1 + len(forgeries))
    await store.settle()
    assert len(await store.inputs()) == 1  # Ana's conversation holds only her own message
    customers = set()
    for sent in store.smtp.inbox.received[1:]:
        assert sent.message["In-Reply-To"] != genuine.message["Message-ID"]
        assert sent.message["In-Reply-To"] != over_the_limit["Message-ID"]  # the sixth: dropped
    for forged in forgeries:
        thread = await _unverified_customer(store, forged)
        customers.add(thread)
    assert len(customers) == len(forgeries)
    assert await store.customer() not in customers


async def _unverified_customer(store: EmailBot, forged: EmailMessage) -> str:
    for customer_entry in store.smtp.inbox.received:
        if customer_entry.message["In-Reply-To"] == forged["Message-ID"]:
            match = OURS.fullmatch(str(customer_entry.message["Message-ID"]))
            assert match is not None
            customer = await store.customer(f"unverified/{match.group(1)}/{CUSTOMER}")
            assert customer is not None
            events = list(await store.inputs(f"unverified/{match.group(1)}/{CUSTOMER}"))
            assert all(event.verified == () for event in events)
            return customer
    raise AssertionError("the forged mail was not answered in its own thread")


async def test_a_forged_reply_naming_a_genuine_thread_stays_unverified(store: EmailBot) -> None:
    await store.post(mail("hi"))
    [genuine] = await store.smtp.wait(1)
    forged = mail("1", authenticated=None, reply_to=genuine.message)
    assert (await store.post(forged))[0] == 202
    await store.settle()
    assert len(await store.inputs()) == 1
    thread = OURS.fullmatch(str(genuine.message["Message-ID"]))
    assert thread is not None
    [event] = await store.inputs(f"unverified/{thread.group(1)}/{CUSTOMER}")
    assert event.verified == ()


async def test_auto_replies_and_bounces_are_recorded_and_never_answered(store: EmailBot) -> None:
    await store.post(mail("hi"))
    [ours] = await store.smtp.wait(1)
    automatic: list[bytes | EmailMessage] = [
        mail("I'm away", reply_to=ours.message, headers={"Auto-Submitted": "auto-replied"}),
        mail("Out of office", reply_to=ours.message, headers={"X-Autoreply": "yes"}),
        mail("Away", reply_to=ours.message, headers={"X-Autorespond": "yes"}),
        mail("Away", reply_to=ours.message, headers={"Precedence": "auto_reply"}),
        mail("Newsletter", headers={"Precedence": "bulk"}),
        _bounce(ours.message),
    ]
    for message in automatic:
        assert (await store.post(message))[0] == 202
    await store.settle()
    assert len(store.smtp.inbox.received) == 1  # nothing answered
    assert len(await store.inputs()) == 1
    statuses = [(s.message_id, s.status) for s in await store.statuses()]
    our_id = str(ours.message["Message-ID"])
    assert statuses.count((our_id, "delivered")) == 4
    assert statuses.count((our_id, "undeliverable")) == 1


async def test_our_own_mail_coming_back_is_never_answered(store: EmailBot) -> None:
    """A mail loop through a forward (the customer's address forwarding to ours, the shop's
    mailbox piping what it sends): our own mail, with or without its ``Auto-Submitted``, comes
    back and is recorded, never answered."""
    await store.post(mail("hi"))
    [ours] = await store.smtp.wait(1)
    stripped = EmailMessage()
    for name, value in ours.message.items():
        if name.lower() not in ("auto-submitted", "content-type", "mime-version"):
            stripped[name] = value
    stripped.set_content("Hi! I'm the Store's assistant.")
    for message in (ours.message, stripped):
        assert (await store.post(message))[0] == 202
    await store.settle()
    assert len(store.smtp.inbox.received) == 1
    assert len(await store.inputs()) == 1


def _bounce(original: EmailMessage) -> bytes:
    """A delivery status notification (RFC 3464) for ``original``, from MAILER-DAEMON."""
    return (
        "From: MAILER-DAEMON@mx.customer.example\r\n"
        f"To: {BOT_ADDRESS}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce.1@mx.customer.example>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
        "\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.customer.example\r\n\r\n"
        f"Final-Recipient: rfc822; {CUSTOMER}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "\r\n--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {original['Message-ID']}\r\nTo: {CUSTOMER}\r\n"
        "\r\n--b--\r\n"
    ).encode()
