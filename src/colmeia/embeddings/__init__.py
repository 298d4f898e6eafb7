"""Sentence embeddings computed offline, in process, with no torch at run time."""
