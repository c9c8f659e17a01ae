"""Flow control and model reduction (provisional)."""
