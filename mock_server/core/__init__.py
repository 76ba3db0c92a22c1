"""What every area shares: clock, ids, events, errors, pagination, the tenant store.

Nothing in here knows about HTTP or about any one area of the API.
"""
