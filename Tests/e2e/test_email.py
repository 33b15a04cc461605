"""Journey e-mails reach a real SMTP receiver (aiosmtpd on loopback) through a real SMTP conversation:
the member's address, a UTF-8 subject and body from the template, a Message-ID from the idempotency
key. A member without an address fails with `no_contact`; a recipient the relay refuses (5xx) fails
with `provider_error`, its reply kept as the error.
"""
import email
import email.policy
import time

import pytest
import requests
from aiosmtpd.controller import Controller

from test_sdks import Server, backends, fresh_database, free_port


class Inbox:
    """An aiosmtpd handler keeping every message; it refuses mail to blocked@example.com."""

    def __init__(self):
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == "blocked@example.com":
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.mark.parametrize("backend", backends())
def test_journey_mail_goes_through_a_real_smtp_conversation(backend):
    inbox = Inbox()
    port = free_port()
    relay = Controller(inbox, hostname="127.0.0.1", port=port)
    relay.start()
    server = Server(fresh_database(backend))
    headers = {"Authorization": f"Bearer {server.admin_key}"}

    def put(path, body, expected=200):
        response = requests.put(server.base + path, json=body, headers=headers, timeout=10)
        assert response.status_code == expected, response.text

    try:
        put("/api/v1/channels/mail", {"kind": "smtp", "host": "127.0.0.1", "port": port, "from": "news@brand.example"})
        put("/api/v1/message-templates/welcome", {
            "subject": "欢迎 {{member.name}}",
            "body": "Hello {{member.name}}, welcome to {{brand}}.\n.\nA line with a lone dot above.",
        })
        journey = {
            "entry": {"event": {"name": "follow"}}, "start": "mail",
            "nodes": {"mail": {"send": {"channel": "mail", "template": "welcome", "next": "end"}}, "end": {"exit": {}}},
        }
        put("/api/v1/journeys/welcome", journey, expected=201)
        published = requests.post(server.base + "/api/v1/journeys/welcome/publish", headers=headers, timeout=10)
        assert published.status_code == 200, published.text
        members = [
            {"identifiers": ["email:Ann@Example.com"], "name": "安", "consent": {"email": True}},
            {"identifiers": ["email:blocked@example.com"], "name": "Blocked", "consent": {"email": True}},
            {"identifiers": ["phone:13900000031"], "name": "No mail", "consent": {"email": True}},
            {"identifiers": ["email:quiet@example.com"], "name": "Quiet"},
        ]
        for member in members:
            response = requests.post(server.base + "/api/v1/members", json=member, headers=headers, timeout=10)
            assert response.status_code in (200, 201), response.text
        events = [
            {"idempotencyKey": f"follow-{n}", "identifiers": [member["identifiers"][0]], "name": "follow"}
            for n, member in enumerate(members)
        ]
        response = requests.post(server.base + "/api/v1/events", json={"events": events}, headers=headers, timeout=10)
        assert response.status_code == 200, response.text

        def messages():
            return requests.get(server.base + "/api/v1/journeys/welcome/messages?limit=10", headers=headers,
                                timeout=10).json()["messages"]

        deadline = time.time() + 60
        current = messages()
        while len(current) < 4 or any(message["status"] == "queued" for message in current):
            assert time.time() < deadline, current
            time.sleep(0.1)
            current = messages()
        outcomes = sorted((message["status"], message.get("reason")) for message in current)
        assert outcomes == [
            ("delivered", None), ("failed", "no_consent"), ("failed", "no_contact"), ("failed", "provider_error"),
        ], current
        refused = next(message for message in current if message.get("reason") == "provider_error")
        assert refused["error"].startswith("SMTP 550") and "mailbox unavailable" in refused["error"], refused

        assert len(inbox.messages) == 1
        mail_from, recipients, content = inbox.messages[0]
        assert mail_from == "news@brand.example" and recipients == ["ann@example.com"]
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert parsed["Subject"] == "欢迎 安"
        assert parsed["To"] == "ann@example.com"
        assert parsed["Message-ID"].endswith("@tessera>")
        body = parsed.get_content()
        assert body.startswith("Hello 安, welcome to ") and "\n.\nA line with a lone dot above." in body
    finally:
        server.stop()
        relay.stop()
