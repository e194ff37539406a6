"""Column -> field mapping: suggestions, transforms and profiles."""
