"""The built-in agent team: a supervisor, SQL / graph / document / records / memory specialists
and a writer, served from ``langgraph.json`` like any user project, with a demo company's data.
"""
