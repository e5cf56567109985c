"""alertcast: scam warnings and safety guides for wallet users, published on time, everywhere."""

__version__ = "0.1.0"
