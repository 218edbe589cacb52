"""The review workspace: queues of items that trained people grade, with agreement,
quality checks, encrypted media and care for the reviewers (see the modules)."""

from brightline.services.review.env import ReviewEnv

__all__ = ["ReviewEnv"]
