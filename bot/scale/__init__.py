"""Scale-out: Celery workers on Redis (or RabbitMQ) with PostgreSQL state.

The jobs table stays the source of truth (exactly-once acceptance, attempts, leases); the broker
only says "job N is ready". A lost message is re-published from the table, a duplicate finds
the job finished or leased and does nothing, so the broker's guarantees never decide the outcome.
"""
