"""Facts about the seeded world that the contract pins (README.md, "The seeded world"), shared by the tests."""

# contracts/schemas/admin-world.schema.json: `behaviour` is exactly one of these.
BEHAVIOURS = frozenset(
    {
        "approved",
        "rejected",
        "manual_review",
        "async_sponsor",
        "otp",
        "biometric",
        "inactive_coverage",
        "partial_approval",
        "benefit_limit",
    }
)
