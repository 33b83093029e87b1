"""Monitoring: /health/ (can Herald publish on time?) and /metrics for Prometheus (state
read from the database at scrape time, and events recorded by whichever process runs
them in a store every process shares)."""
