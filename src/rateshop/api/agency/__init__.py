"""Agencies through the API: the agencies a shopper may pick, and a shopper's request to one."""
