"""The scheduler daemon: git sync, boundary timers, webhook, health, metrics, leader lease."""
