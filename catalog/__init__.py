"""The catalog: what each source dataset is (entry, licence, citation, download route, with the evidence for each
fact), its native file layout and the adapter that reads it into the standard records table; the label text and the
demo sources. Imports only the core modules (the release format's label columns among them)."""
