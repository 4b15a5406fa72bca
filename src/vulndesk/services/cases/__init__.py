"""Cases: open, edit, record facts, move through the lifecycle, read and list; reference data and regimes."""
