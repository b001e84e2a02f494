"""The HTTP transport to the Bot API, on aiohttp.

PTB's stock transport is httpx. With a crowd checking in at a venue the bot makes hundreds
of Bot API calls a second; an httpx call took about five times the CPU of an aiohttp call in
a micro-benchmark here (1.8 ms against 0.34 ms), and in the check-in burst of
benchmarks/checkin_burst/e2e.py the popup p95 went from 5.5 s to 4.8 s. aiohttp is a
dependency already (the webhook server), so the bot speaks to Telegram through it too.
"""

from __future__ import annotations

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# Plain calls go as a JSON body (cheaper to build than a form); files as multipart.
_JSON = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """One aiohttp session with at most `connections` connections; `timeout` seconds for
    each of getting a connection, connecting and reading, unless a call says otherwise."""

    def __init__(self, *, connections: int, timeout: float) -> None:
        self._connections = connections
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _seconds(self, value: object) -> float | None:
        """The timeout a call gave (None: wait for ever), or this transport's when it gave none:
        PTB passes `BaseRequest.DEFAULT_NONE` then, and documents comparing with it."""
        if value is BaseRequest.DEFAULT_NONE:
            return self._timeout
        if value is None or isinstance(value, int | float):
            return value
        raise TypeError(f"a timeout is seconds or None, not {value!r}")

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        # PTB types these with a private alias (telegram._utils.types.ODVInput); `object` is
        # wider, which an override may be, and _seconds checks what comes.
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        timeout = aiohttp.ClientTimeout(
            connect=self._seconds(pool_timeout),  # waiting for a free connection included
            sock_connect=self._seconds(connect_timeout),
            sock_read=self._seconds(read_timeout),
        )
        body: aiohttp.FormData | bytes | None = None
        headers: dict[str, str] | None = None
        if request_data is not None:
            files = request_data.multipart_data
            if files:
                # File names as they are (UTF-8), as Telegram expects; not percent-encoded.
                form = aiohttp.FormData(quote_fields=False, charset="utf-8")
                for name, value in request_data.json_parameters.items():
                    form.add_field(name, value)
                for name, (file_name, content, mime_type) in files.items():
                    form.add_field(name, content, filename=file_name, content_type=mime_type)
                body = form
            else:
                body = request_data.json_payload
                headers = _JSON
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as answer:
                return answer.status, await answer.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            # The class name tells what failed; the URL (it holds the token) is left out.
            raise NetworkError(f"aiohttp.{type(exc).__name__}") from exc
