"""Video: see the modules of this package."""
