"""Comparing carriers: one risk, every carrier that writes its line in its state, ranked."""
