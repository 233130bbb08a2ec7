"""Live carriers: what a carrier's own quoting service said, the connectors that ask it, and a
sandbox that serves any rate manual as such a service."""
