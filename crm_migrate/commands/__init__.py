"""One module per CLI command family; each parses options, calls the core, prints, returns an exit code."""
