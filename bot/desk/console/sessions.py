"""Agents' sign-in sessions, and the checks every console request passes.

A session is a random cookie (``omnibot_agent``: HttpOnly, SameSite=Strict, Secure over HTTPS,
path ``/agent``); the desk keeps only its SHA-256 digest, with the agent's name and a CSRF token,
so every worker knows it. A request that changes anything must also carry the CSRF token in
``X-CSRF-Token`` and, when the browser says where it comes from (``Origin``), come from the
console's own origin: another site can neither read the token nor send the header.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Collection
from datetime import timedelta
from urllib.parse import urlsplit

from aiohttp import web

from bot.desk.store import Desk, Session
from bot.http import untrusted
from bot.http.untrusted import same_secret

COOKIE = "omnibot_agent"
DEVICE_COOKIE = "omnibot_device"
"""A browser's proof that an agent signed in from it (see :mod:`bot.desk.console.throttle`)."""
CSRF_HEADER = "X-CSRF-Token"
_VALUE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
"""What a session cookie of ours is made of (``secrets.token_urlsafe``)."""


def _key(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


def _cookies(request: web.Request) -> list[str]:
    """The values of every session cookie a request carries that could be one of ours. A
    browser sends the one of the longest path first, but a cookie of the same name set for a
    wider path (by another page of the host) comes too, and must not hide the session: each is
    tried (a few at most)."""
    return [value for value in untrusted.cookies(request, COOKIE) if _VALUE.match(value)][:3]


_JSON = "application/json"


class Sessions:
    """Opens, finds and closes agents' sessions."""

    def __init__(
        self,
        desk: Desk,
        lifetime: timedelta,
        public_url: str | None,
        agents: Collection[str] | None = None,
    ) -> None:
        self._desk = desk
        self._lifetime = lifetime
        self._public = urlsplit(public_url) if public_url else None
        # The agents who may sign in now: a session of one who was removed (and the bot
        # restarted) ends at once rather than when it expires.
        self._agents = frozenset(agents) if agents is not None else None

    async def open(self, agent: str) -> tuple[str, Session]:
        """Start a session for ``agent``: its cookie value, and the session."""
        cookie = secrets.token_urlsafe(32)
        session = Session(agent=agent, csrf=secrets.token_urlsafe(24))
        await self._desk.open_session(_key(cookie), session, self._lifetime)
        return cookie, session

    def set_cookie(self, response: web.StreamResponse, cookie: str, request: web.Request) -> None:
        """Give the browser its session cookie."""
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=int(self._lifetime.total_seconds()),
            path="/agent",
            httponly=True,
            samesite="Strict",
            secure=self._secure(request),
        )

    def device(self, request: web.Request) -> str | None:
        """The device cookie the browser carries, if it could be one of ours."""
        found = [v for v in untrusted.cookies(request, DEVICE_COOKIE) if _VALUE.match(v)]
        return found[0] if found else None

    def set_device(
        self, response: web.StreamResponse, device: str, days: int, request: web.Request
    ) -> None:
        """Give the browser a new device cookie (sent back to sign-in only)."""
        response.set_cookie(
            DEVICE_COOKIE,
            device,
            max_age=days * 24 * 3600,
            path="/agent/api/session",
            httponly=True,
            samesite="Strict",
            secure=self._secure(request),
        )

    async def of(self, request: web.Request) -> Session | None:
        """The session a request carries, if it is a live one."""
        for cookie in _cookies(request):
            session = await self._desk.session(_key(cookie))
            if session is not None and (self._agents is None or session.agent in self._agents):
                return session
        return None

    async def agent(self, request: web.Request, *, writes: bool = False) -> Session:
        """The live session of the agent behind ``request``; else raises 401 (``signed_out``),
        or 403 (``csrf``) when a request that ``writes`` lacks the session's CSRF token."""
        session = await self.of(request)
        if session is None:
            raise web.HTTPUnauthorized(text='{"error": "signed_out"}', content_type=_JSON)
        if writes and not self.csrf_ok(request, session):
            raise web.HTTPForbidden(text='{"error": "csrf"}', content_type=_JSON)
        return session

    async def close(self, request: web.Request, response: web.StreamResponse) -> None:
        """End the request's session and clear its cookie."""
        for cookie in _cookies(request):
            await self._desk.close_session(_key(cookie))
        response.del_cookie(COOKIE, path="/agent")

    def same_origin(self, request: web.Request) -> bool:
        """Whether the browser says the request comes from the console's own origin (a client
        that says nothing, not a browser, is not refused for it)."""
        origin = request.headers.get("Origin")
        if origin is None:
            return True
        allowed = {f"{request.scheme}://{request.host}"}
        if self._public is not None:
            allowed.add(f"{self._public.scheme}://{self._public.netloc}")
        return origin.rstrip("/") in allowed or untrusted.netloc(origin) == request.host

    def csrf_ok(self, request: web.Request, session: Session) -> bool:
        """Whether a request that changes something carries the session's CSRF token."""
        given = request.headers.get(CSRF_HEADER)
        return same_secret(given, session.csrf) and self.same_origin(request)

    def _secure(self, request: web.Request) -> bool:
        forwarded = request.headers.get("X-Forwarded-Proto", "")
        public = self._public
        behind_https = (
            public is not None and public.scheme == "https" and public.netloc == request.host
        )
        return request.secure or forwarded == "https" or behind_https
