"""Delivery to GitHub: read a pull request, post the review (sticky comment, check run,
annotations), the Action's mode, the App's installation clients and `/aria` commands."""
