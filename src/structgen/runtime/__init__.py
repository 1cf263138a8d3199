"""Runtime helpers shared by the modules structgen generates (standard library only)."""
