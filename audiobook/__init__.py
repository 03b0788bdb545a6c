"""audiobook: turn news articles into podcast-ready, multi-voice audio editions, offline."""

__version__ = "0.1.0"
