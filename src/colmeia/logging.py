"""Process-wide logging: structlog renders every line, stdlib and uvicorn included.

JSON lines in production (one object per line, for log shippers); a human-readable console in
development. Every line carries the request id, trace/span ids, and — once known — the run,
user and tenant ids (from `colmeia.telemetry.context`), and every line passes through the one
`Redactor` before it is written. Levels can be set per logger.

Called once by each process entry point (``colmeia`` CLI commands); uvicorn children of
``colmeia api --workers N`` get the same set-up through `uvicorn_log_config`.
"""

from __future__ import annotations

import logging
import logging.config
import sys
from collections.abc import Iterable, Mapping
from typing import IO, Any

import structlog
from opentelemetry import trace
from structlog.types import EventDict, Processor, WrappedLogger

from colmeia.config import Environment, Settings
from colmeia.telemetry import context as telemetry_context
from colmeia.telemetry.redaction import Redactor

HANDLER_NAME = "colmeia"
QUIET_LOGGERS = ("httpx", "httpcore", "alembic", "celery.utils.functional", "urllib3")
_STDLIB_NOISE = ("_from_structlog", "_record", "color_message")


def add_ids(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """The request/run/user/tenant ids of the current context, and the current trace ids."""
    current = telemetry_context.current()
    if current is not None:
        for key, value in current.fields().items():
            event.setdefault(key, value)
    span = trace.get_current_span().get_span_context()
    if span.is_valid:
        event.setdefault("trace_id", format(span.trace_id, "032x"))
        event.setdefault("span_id", format(span.span_id, "016x"))
    return event


def _add_extra(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    # stdlib `extra={...}` fields land on the record; lift our structured ones into the event.
    record: logging.LogRecord | None = event.get("_record")
    http = getattr(record, "http", None)
    if isinstance(http, dict):
        event.setdefault("http", http)
    return event


def _drop_noise(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    for key in _STDLIB_NOISE:
        event.pop(key, None)
    return event


def _redacting(redactor: Redactor) -> Processor:
    def redact(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
        return {key: redactor.value(value, key) for key, value in event.items()}

    return redact


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_ids,
        _add_extra,
    ]


def build_handler(
    *, json_output: bool, redactor: Redactor, stream: IO[str] | None = None
) -> logging.Handler:
    """A stdlib handler that renders records (stdlib or structlog) through structlog."""
    renderer: Processor
    if json_output:
        renderer = structlog.processors.JSONRenderer()
        # Never show_locals: a frame's locals hold the raw request (headers, tokens).
        tracebacks = structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        final: list[Processor] = [structlog.processors.ExceptionRenderer(tracebacks)]
    else:
        renderer = structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
        # Traceback text before redaction: an exception's message may hold a credential.
        final = [structlog.processors.format_exc_info]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *_shared_processors()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _drop_noise,
            *final,
            _redacting(redactor),
            renderer,
        ],
        pass_foreign_args=False,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(formatter)
    return handler


def configure_logging(
    level: str,
    *,
    json_output: bool = False,
    levels: Mapping[str, str] | None = None,
    secrets: Iterable[str] = (),
    stream: IO[str] | None = None,
) -> None:
    """Route stdlib, uvicorn and structlog loggers through one structlog handler on root.

    Replaces only our own handler, so handlers others installed (pytest's capture) stay.
    """
    structlog.configure(
        processors=[*_shared_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == HANDLER_NAME:
            root.removeHandler(existing)
    root.addHandler(
        build_handler(json_output=json_output, redactor=Redactor(secrets), stream=stream)
    )
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "celery"):
        routed = logging.getLogger(name)
        routed.handlers.clear()
        routed.propagate = True
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    for name, logger_level in (levels or {}).items():
        logging.getLogger(name).setLevel(logger_level.upper())


def configure_logging_from(settings: Settings) -> None:
    """`configure_logging` with the levels, format and secrets of ``settings``."""
    from colmeia.telemetry.secrets import known_secrets

    log_format = settings.telemetry.log_format
    if log_format == "auto":
        log_format = "console" if settings.environment is Environment.development else "json"
    configure_logging(
        settings.log_level,
        json_output=log_format == "json",
        levels=settings.telemetry.log_levels,
        secrets=known_secrets(settings),
    )


def _configured_in_child() -> logging.Handler:
    # dictConfig "()" factory: uvicorn applies its log config in every worker process it
    # spawns, which is where this runs; the real handler is installed on the root logger.
    from colmeia.config import get_settings

    configure_logging_from(get_settings())
    return logging.NullHandler()


def uvicorn_log_config(level: str) -> dict[str, Any]:
    # Any: logging.config.dictConfig schema.
    """A dictConfig for uvicorn: its loggers propagate to our root handler, which is set up
    in each process uvicorn runs the app in (including ``--workers N`` children)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"colmeia_setup": {"()": "colmeia.logging._configured_in_child"}},
        "loggers": {
            name: {"handlers": [], "propagate": True, "level": level}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structlog logger; ``log.info("event", key=value)`` becomes one structured line."""
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
