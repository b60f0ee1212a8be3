"""The cycles that drive every stage: the daily refresh, the demo, and scheduler entries for them."""
