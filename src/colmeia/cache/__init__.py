"""Semantic cache: tenant-scoped, verified hits (DESIGN §4).

    lookup(scope, prompt) ── exact tier (normalised text) ── semantic tier (vector index within
    the scope) ── verifier (meaning-bearing parts agree) ──> CacheHit | None
    store(scope, prompt, response, tags, ttl) ──> Redis (store of record) + vector index

`SemanticCache` (semantic.py) is the API a gateway hook calls; `CacheStore` (store.py) owns the
Redis layout; `policy.py` says what may be cached; `verifier.py` decides a semantic candidate.
"""
