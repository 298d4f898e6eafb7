"""Threads: conversations whose state lives in the LangGraph checkpointer."""
