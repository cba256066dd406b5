"""A measure's chart as a domain: its stored settings (phases, exclusions, annotations), its
analysis, the analysis as JSON, CSV or SVG, and many measures at a glance."""
