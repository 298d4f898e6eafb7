"""Rate limits per credential, per route group and per client IP, shared by every replica."""
