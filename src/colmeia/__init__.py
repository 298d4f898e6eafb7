"""Colmeia: the production layer for LangGraph multi-agent systems."""
