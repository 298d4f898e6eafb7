"""The LLM gateway: models by ``provider:model`` string, retries, fallback, usage, hooks.

Only `settings` is imported by `colmeia.config`; it must stay free of LangChain imports so that
loading the settings stays cheap.
"""
