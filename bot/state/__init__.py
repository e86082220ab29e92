"""Durable state of the App: webhook deliveries, jobs and the review each PR last got."""
