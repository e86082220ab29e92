"""The GitHub App service: webhook endpoint, event routing and the jobs it runs."""
