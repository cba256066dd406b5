"""A units overview for a portal: one call for what a schools page shows."""
