"""PDCA tracker: improvement work of municipal school organisations."""
