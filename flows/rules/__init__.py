"""The decision rules: safety (red flags), regression, advancement gates, readiness."""
