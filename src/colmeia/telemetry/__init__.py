"""Observability: OpenTelemetry tracing (stored and exported), structured logs, Prometheus
metrics, Sentry and LangSmith — with one redaction module in front of every sink.

    redaction   the one Redactor (logs, spans, LangSmith, Sentry, stored errors)
    context     request/run/user/tenant ids of the current request or task
    middleware  pure ASGI: request id, access line, HTTP metrics
    metrics     every Prometheus metric, defined once; multi-process rendering
    tracing     provider, sampler and swappable sinks; spans: redacted copies + GenAI attrs
    store       spans kept in the database per tenant; celery: ids across the queue
    sentry, langsmith   the SaaS sinks, scrubbed
    setup       configure_telemetry(settings) for the API and the worker
"""
