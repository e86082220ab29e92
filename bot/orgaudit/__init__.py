"""Organisation-wide audits: one task per repository over the workers, results kept per run
in the database, and a report (Markdown, JSON, HTML with charts) with trends since the last run."""
