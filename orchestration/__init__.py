"""kokemus: the Dagster code location that turns raw CX exports into a warehouse and reports."""
