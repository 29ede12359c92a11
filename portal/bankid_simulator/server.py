"""Run the BankID simulator with werkzeug's threaded server.

    python -m portal.bankid_simulator.server --port 8001 --order-lifetime 30

With --certfile/--keyfile it serves HTTPS, and with --client-ca as well it requires a client certificate
signed by that CA, like BankID's own API.
"""

from __future__ import annotations

import argparse
import logging
import ssl
import sys
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from portal.bankid_simulator.app import API_PREFIX, create_simulator_app

__all__ = ["make_simulator_server", "mutual_tls_context", "serve"]


def mutual_tls_context(certfile: str, keyfile: str, client_ca: str | None = None) -> ssl.SSLContext:
    """A server-side TLS context; with ``client_ca`` it refuses clients without a certificate from it."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certfile, keyfile)
    if client_ca:
        context.load_verify_locations(cafile=client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def make_simulator_server(
    host: str = "127.0.0.1",
    port: int = 8001,
    *,
    ssl_context: ssl.SSLContext | None = None,
    **app_options: Any,
) -> BaseWSGIServer:
    """The server, bound but not yet serving (port 0 picks a free port: see ``server.server_port``)."""
    app = create_simulator_app(**app_options)
    return make_server(host, port, app, threaded=True, ssl_context=ssl_context)


def serve(
    host: str = "127.0.0.1",
    port: int = 8001,
    *,
    ssl_context: ssl.SSLContext | None = None,
    **app_options: Any,
) -> None:
    """Serve until interrupted. ``app_options`` go to ``create_simulator_app``."""
    server = make_simulator_server(host, port, ssl_context=ssl_context, **app_options)
    scheme = "https" if ssl_context else "http"
    # Printed (and flushed) so a parent process or a person knows where it listens, port 0 included.
    print(
        f"BankID simulator: {scheme}://{host}:{server.server_port}{API_PREFIX}/ "
        f"(tester page {scheme}://{host}:{server.server_port}/)",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.bankid_simulator.server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument(
        "--order-lifetime", type=float, default=180.0, help="seconds until a pending order expires"
    )
    parser.add_argument("--portal-return-url", default=None, help="where the app page links back to")
    parser.add_argument("--certfile", help="server certificate (PEM) for HTTPS")
    parser.add_argument("--keyfile", help="server private key (PEM) for HTTPS")
    parser.add_argument("--client-ca", help="require client certificates signed by this CA (PEM)")
    parser.add_argument("--quiet", action="store_true", help="do not log every request")
    args = parser.parse_args(argv)

    if bool(args.certfile) != bool(args.keyfile) or (args.client_ca and not args.certfile):
        parser.error("--certfile and --keyfile go together, and --client-ca needs them")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    ssl_context = mutual_tls_context(args.certfile, args.keyfile, args.client_ca) if args.certfile else None
    serve(
        args.host,
        args.port,
        ssl_context=ssl_context,
        order_lifetime=args.order_lifetime,
        portal_return_url=args.portal_return_url,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
