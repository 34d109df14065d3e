"""Suite-wide test configuration (the folder holding this file is importable by the tests)."""
