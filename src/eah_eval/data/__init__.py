"""Data layer: table schemas, loading and validation, URN lineage, periods, synthetic council."""
