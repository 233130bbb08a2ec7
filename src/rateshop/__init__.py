"""rateshop: one question set, every carrier, rated to the cent from their rate manuals."""

__version__ = "0.1.0"
