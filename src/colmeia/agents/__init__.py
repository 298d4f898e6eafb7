"""Graphs served by the Agent Protocol: ``langgraph.json`` loading, the registry, checkpointers."""
