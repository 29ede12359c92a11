"""A lean httpx transport for adapters that post many small requests to one receiver: HTTP/1.1 over the
standard library's ``http.client``, one kept-alive connection per thread and origin.

Why: httpx's default transport (httpcore and h11, pure Python) spends about 0.4 ms of CPU on a request to
a local receiver, ``http.client`` about 0.07 ms; at a thousand deliveries a second on two cores that is
the difference between the HTTP client and the deliveries using the machine. The adapter keeps using
httpx's ``Client`` (its request and response objects, its errors, ``MockTransport`` in tests, proxies
from the environment), with this transport underneath.

Errors are httpx's: ``ConnectTimeout``/``ReadTimeout``/``WriteTimeout``, ``ConnectError`` (raised from the
``ssl.SSLCertVerificationError`` when a certificate does not verify), ``ReadError``/``WriteError``,
``RemoteProtocolError``. A kept-alive connection the receiver has closed meanwhile is replaced and the
request sent once more, as every HTTP client does; a receiver must therefore take the same request twice,
which the webhook's idempotency key already asks of it.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import urllib.request

import httpx

# Headers http.client writes itself, or that would make it send what httpx did not ask for.
_SKIP = frozenset({b"host", b"content-length", b"transfer-encoding", b"accept-encoding", b"connection"})
# A reused connection failing with one of these before an answer was closed by the receiver while idle.
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


def proxied(url: httpx.URL) -> bool:
    """Whether the environment (HTTPS_PROXY, NO_PROXY …) sends requests to ``url`` through a proxy: then
    httpx's own transport, which speaks to proxies, is used instead of this one."""
    return url.scheme in urllib.request.getproxies() and not urllib.request.proxy_bypass(url.host)


class KeepAliveTransport(httpx.BaseTransport):
    def __init__(self, *, ssl_context: ssl.SSLContext, connect_timeout: float, timeout: float) -> None:
        self.ssl_context = ssl_context
        self.connect_timeout, self.timeout = connect_timeout, timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: set[http.client.HTTPConnection] = set()

    def _connections(self) -> dict[tuple[str, str, int], http.client.HTTPConnection]:
        connections = getattr(self._local, "connections", None)
        if connections is None:
            connections = self._local.connections = {}
        return connections

    def _connect(self, scheme: str, host: str, port: int) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection
        if scheme == "https":
            connection = http.client.HTTPSConnection(
                host, port, timeout=self.connect_timeout, context=self.ssl_context
            )
        else:
            connection = http.client.HTTPConnection(host, port, timeout=self.connect_timeout)
        try:
            connection.connect()
        except TimeoutError as exc:
            connection.close()
            raise httpx.ConnectTimeout(f"connecting to {host}:{port} timed out") from exc
        except OSError as exc:  # refused, unreachable, a certificate that does not verify
            connection.close()
            raise httpx.ConnectError(f"cannot connect to {host}:{port}: {exc.__class__.__name__}") from exc
        connection.sock.settimeout(self.timeout)  # type: ignore[union-attr]
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # type: ignore[union-attr]
        with self._lock:
            self._all.add(connection)
        return connection

    def _drop(self, key: tuple[str, str, int], connection: http.client.HTTPConnection) -> None:
        connection.close()
        self._connections().pop(key, None)
        with self._lock:
            self._all.discard(connection)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        key = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        body = request.read()
        headers = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in request.headers.raw
            if name.lower() not in _SKIP
        }
        target = url.raw_path.decode("ascii")
        for attempt in (1, 2):
            connection = self._connections().get(key)
            reused = connection is not None
            if connection is None:
                connection = self._connections()[key] = self._connect(*key)
            try:
                connection.request(request.method, target, body=body, headers=headers)
                response = connection.getresponse()
                content = response.read()
            except TimeoutError as exc:
                self._drop(key, connection)
                raise httpx.ReadTimeout(f"no answer from {url.host} in {self.timeout:g} s") from exc
            except _STALE as exc:
                self._drop(key, connection)
                if reused and attempt == 1:
                    continue  # closed by the receiver while idle: once more on a new connection
                raise httpx.ReadError(f"{url.host} closed the connection ({exc.__class__.__name__})") from exc
            except http.client.HTTPException as exc:
                self._drop(key, connection)
                raise httpx.RemoteProtocolError(f"{url.host}: {exc.__class__.__name__}") from exc
            except OSError as exc:
                self._drop(key, connection)
                raise httpx.ReadError(f"{url.host}: {exc.__class__.__name__}") from exc
            if response.will_close:
                self._drop(key, connection)
            return httpx.Response(
                status_code=response.status,
                headers=response.getheaders(),
                content=content,
                request=request,
            )
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        with self._lock:
            connections, self._all = self._all, set()
        for connection in connections:
            connection.close()
