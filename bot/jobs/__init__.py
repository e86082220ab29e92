"""The job runtime: durable jobs in SQL, run by the embedded worker or by Celery workers.

`queue` stores jobs and leases them; `runner` runs one claimed job (lease renewed while it runs,
then completed, retried or given up); `handlers` holds the work behind each job kind, over the
one typed union of job payloads in `payloads`; `wiring` picks the mode: `embedded` worker
threads in the serving process, or with a broker (`ARIA_BROKER_URL`) the Celery transport
(`broker`, `celery_app`, `celery_task`, `celery_worker`). The jobs table stays the source of
truth in both modes: the broker only says "job N is ready".
"""
