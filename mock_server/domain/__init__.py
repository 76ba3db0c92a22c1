"""The domain: plain Python state machines, one module per area. No Starlette here."""
