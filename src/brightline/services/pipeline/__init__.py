"""One content pipeline: every source runs the same job (start -> hash -> match ->
record -> act -> finish). See ``job.Job``."""
