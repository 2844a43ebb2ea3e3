"""One module per source dataset: an ENTRY (SourceEntry) and its adapter function."""
