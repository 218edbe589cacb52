"""Video: recognising containers, decoding only the frames sampling needs, vPDQ."""

from brightline.core.video.decode import VideoOptions, hash_video
from brightline.core.video.sniff import is_video, sniff_video_type

__all__ = ["VideoOptions", "hash_video", "is_video", "sniff_video_type"]
