"""The `python -m kerastorch` command line: one subcommand per tool.

```
python -m kerastorch serve model.keras --host 127.0.0.1 --port 8000
```
"""

from __future__ import annotations

import argparse
import signal
import sys


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"must be a positive integer. Received: {text}"
        )
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be in [0, 65535]. Received: {text}")
    return value


def _non_negative_float(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0. Received: {text}")
    return value


def _add_serve(subparsers) -> None:
    from kerastorch.serving.server import DEFAULT_MAX_BODY_BYTES

    parser = subparsers.add_parser(
        "serve",
        help="serve a .keras model over HTTP (TF-Serving's REST API)",
        description=(
            "Serve a .keras model: POST /v1/models/<name>:predict with "
            '{"instances": [...]}, GET /v1/models/<name> for its signature, '
            "GET /healthz. Needs the `serve` extra."
        ),
    )
    parser.add_argument("model", help="path of the .keras file")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=_port, default=8000, help="TCP port (default: 8000)"
    )
    parser.add_argument(
        "--name", default=None, help="model name in the URLs (default: the file stem)"
    )
    parser.add_argument(
        "--max-batch-size",
        type=_positive_int,
        default=32,
        help="most rows merged into one forward (default: 32)",
    )
    parser.add_argument(
        "--batch-timeout-ms",
        type=_non_negative_float,
        default=5.0,
        help="how long a request waits for others to join its batch (default: 5)",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=_positive_int,
        default=DEFAULT_MAX_BODY_BYTES,
        help=f"largest request body; larger ones get 413 (default: {DEFAULT_MAX_BODY_BYTES})",
    )
    parser.add_argument(
        "--device", default=None, help="run the model on this device, e.g. cuda"
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug", "trace"],
        help="uvicorn log level (default: info)",
    )
    parser.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from kerastorch.serving.server import create_app
    from kerastorch.serving.server import host_warning
    from kerastorch.serving.server import run_app

    message = host_warning(args.host)
    if message:
        print(f"WARNING: {message}", file=sys.stderr)
    try:
        app = create_app(
            args.model,
            name=args.name,
            max_batch_size=args.max_batch_size,
            batch_timeout_ms=args.batch_timeout_ms,
            max_body_bytes=args.max_body_bytes,
            device=args.device,
        )
    except (ImportError, OSError, ValueError, TypeError) as e:
        print(f"error: cannot serve {args.model!r}: {e}", file=sys.stderr)
        return 1
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then raises the signal
    # again for the previous handler: make that an ordinary exit, not a kill
    # or a KeyboardInterrupt traceback.
    previous = signal.signal(signal.SIGTERM, _exit_quietly)
    try:
        run_app(app, host=args.host, port=args.port, log_level=args.log_level)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _exit_quietly(signum, frame) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    """Run the command line with `argv` (default: `sys.argv[1:]`); return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m kerastorch", description="kerastorch tools"
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    _add_serve(subparsers)
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help(sys.stderr)
        return 2
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
