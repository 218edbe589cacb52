"""Video: recognising containers (``sniff``), decoding only the frames sampling needs
(``decode``), vPDQ (``hashing``, ``index``).

Nothing is imported here: PyAV and NumPy load only when a video is decoded, so every
command that never meets one starts without them (the registry imports ``sniff``).
"""
