"""Sources of content: where the bytes to hash come from.

A :class:`Source` yields :class:`ContentItem`\\ s. Each has a :class:`Locator` that can
be a chain (a file inside a zip inside a partition of a disk image), its size and
times, and ``open()`` that returns a binary stream: content is never read into
memory whole. Files and folders and an upload body are here; archives, disk images
and live streams are further sources built on the same seam.
"""

from brightline.core.sources.base import ContentItem, Locator, Source

__all__ = ["ContentItem", "Locator", "Source"]
