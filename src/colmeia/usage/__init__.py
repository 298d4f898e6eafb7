"""LLM usage and cost: the ledger the gateway writes, and the API that sums it."""
