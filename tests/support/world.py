"""Facts about the seeded world that API.md pins, shared by the tests."""

# API.md section 3: `behaviour` is exactly one of these.
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
