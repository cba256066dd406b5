"""The open export and import of an organisation: one versioned JSON document (issue 18)."""
