"""End to end: writing, reviewing and exporting public-opinion reports."""
