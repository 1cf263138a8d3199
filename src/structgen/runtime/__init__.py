"""Runtime helpers shared by the modules structgen generates."""
