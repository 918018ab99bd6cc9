"""Metrics: earned value, burn, milestones, RAG and roll-ups over a Portfolio."""
