"""Example graphs, registered through the same ``langgraph.json`` path as any user project."""
