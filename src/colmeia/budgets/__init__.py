"""Token and money budgets: atomic Redis counters, reserved before and settled after each
LLM call, flushed to the database now and then."""
