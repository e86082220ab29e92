"""Delivery to GitHub: client with retries, fetching PR files, sticky comment, check runs."""
