"""sladesk: a self-hosted support desk where the support contract (the SLA) is code."""

__all__: list[str] = []
