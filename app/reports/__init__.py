"""Reports built on the chart rules: a cycle's evidence and the roll-up over the unit tree."""
