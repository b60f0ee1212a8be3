"""State that outlives any one warehouse: the refresh lock, the run log and log files (under data/ops, data/logs)."""
