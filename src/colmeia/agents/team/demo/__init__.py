"""The demo company's data (SQL, graph, records, documents) as small source files."""
