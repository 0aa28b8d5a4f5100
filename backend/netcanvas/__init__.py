"""netcanvas: design, analyse, convert and draw neural-network architectures."""

__version__ = "0.1.0"
