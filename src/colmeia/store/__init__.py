"""The long-term store: JSON items in namespaces, owned by the caller's tenant."""
