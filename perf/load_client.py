"""The load generator of `make load`: signed-in sessions and a closed loop of concurrent connections.

asyncio and aiohttp (its C response parser): one process drives every connection, so on a
2-core machine it costs a fraction of a core (`make load` prints its CPU use beside the server's).
Each of the N connections sends its next request as soon as the previous one is answered, for a
fixed time; every answer is checked, not only timed (`Target.check`).

Requests say `X-Forwarded-Proto: https`, as the TLS proxy in front of the portal does: the
production settings then neither redirect to HTTPS nor refuse the secure-only cookies, and
sign-in's CSRF check sees an HTTPS referer. Cookies are sent by hand for that reason (a cookie jar
keeps secure cookies from a plain-HTTP address).
"""

import asyncio
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
_CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class SignInError(Exception):
    """A demo user could not sign in through the portal's sign-in page."""


@dataclass(frozen=True)
class Target:
    """One request of the load and what a right answer is: status 200, `content_type`, and `marker` in the body."""

    group: str
    path: str
    headers: dict
    content_type: str = "text/html"
    marker: bytes = b""
    json_list: bool = False  # the body is a non-empty JSON array (read in full on a connection's first answer)

    def check(self, status: int, content_type: str, body: bytes, first: bool) -> str:
        """'' for a right answer, else why it is wrong (a redirect to sign-in, the page's text missing…)."""
        if status != 200:
            return f"HTTP {status} instead of 200"
        if not content_type.startswith(self.content_type):
            return f"{content_type or 'no content type'} instead of {self.content_type}"
        if self.marker and self.marker not in body:
            return f"{self.marker.decode()[:60]!r} is missing"
        if self.json_list:
            if not (body.startswith(b"[") and body.endswith(b"]")):
                return "not a JSON array"
            if first and not json.loads(body):
                return "an empty JSON array"
        return ""


@dataclass
class Tally:
    """What one group's requests came to: latencies of the answered ones, errors and wrong answers by kind."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)  # 4xx/5xx, timeouts, connection errors
    wrong: Counter = field(default_factory=Counter)  # answered 2xx/3xx, but not the page expected


def _cookie(response: aiohttp.ClientResponse, name: str) -> str:
    morsel = response.cookies.get(name)
    return morsel.value if morsel is not None else ""


async def sign_in(session: aiohttp.ClientSession, base: str, username: str, password: str) -> str:
    """Sign in through the sign-in page as a browser does; returns the session cookie's value."""
    url = f"{base}/accounts/login/"
    async with session.get(url, headers=PROXY_HEADERS, allow_redirects=False) as response:
        page = await response.read()
        csrf_cookie = _cookie(response, "csrftoken")
    found = _CSRF_FIELD.search(page)
    if response.status != 200 or not found or not csrf_cookie:
        raise SignInError(f"{username}: the sign-in page answered {response.status} without a CSRF token")
    form = {"username": username, "password": password, "csrfmiddlewaretoken": found.group(1).decode()}
    headers = {
        **PROXY_HEADERS,
        "Cookie": f"csrftoken={csrf_cookie}",
        "Referer": f"https://{base.split('://', 1)[1]}/accounts/login/",
    }
    async with session.post(url, data=form, headers=headers, allow_redirects=False) as response:
        await response.read()
        session_id = _cookie(response, "sessionid")
        location = response.headers.get("Location", "")
    if response.status != 302 or location != "/" or not session_id:
        raise SignInError(f"{username}: signing in answered {response.status} (to {location or 'nowhere'})")
    return session_id


async def _connection(session, base, targets, deadline, timeout, tallies):
    """One closed-loop connection: the next request once the previous one is answered, until `deadline`."""
    loop = asyncio.get_running_loop()
    first = {target.group: True for target in targets}
    turn = 0
    while loop.time() < deadline:
        target = targets[turn % len(targets)]
        turn += 1
        tally = tallies[target.group]
        started = time.perf_counter()
        try:
            async with session.get(
                base + target.path, headers=target.headers, allow_redirects=False, timeout=timeout
            ) as response:
                body = await response.read()
        except TimeoutError:
            tally.errors["timeout"] += 1
            continue
        except aiohttp.ClientError as exc:
            tally.errors[f"connection error ({exc.__class__.__name__})"] += 1
            continue
        tally.latencies.append(time.perf_counter() - started)
        if response.status >= 400:
            tally.errors[f"HTTP {response.status}"] += 1
            continue
        why = target.check(response.status, response.headers.get("Content-Type", ""), body, first[target.group])
        first[target.group] = False
        if why:
            tally.wrong[why] += 1


async def drive(base: str, plans: list[list[Target]], seconds: float, timeout: float) -> tuple[dict, float]:
    """Run one closed-loop connection per plan for `seconds`; returns the tallies by group and the wall time.

    The pool is bounded at one connection per plan. A request still unanswered at the end is
    awaited (at most `timeout`), so the wall time runs from the start to the last answer.
    """
    tallies = {target.group: Tally() for plan in plans for target in plan}  # in the first plan's order
    connector = aiohttp.TCPConnector(limit=len(plans), force_close=False)
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False
    ) as session:
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = started + seconds
        await asyncio.gather(*(_connection(session, base, plan, deadline, client_timeout, tallies) for plan in plans))
        return tallies, loop.time() - started


async def sign_in_all(base: str, users: dict[str, str]) -> dict[str, str]:
    """Username → session cookie, for each (username → password)."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        return {username: await sign_in(session, base, username, password) for username, password in users.items()}
