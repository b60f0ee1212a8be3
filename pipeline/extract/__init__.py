"""Extraction: ask a source for the frames the models need and keep each one in the raw layer as fetched.

`common` is the one door to upstream (call, check, keep); `ingest` plans and runs whole-board and incremental
fetches; `universe` keeps the membership snapshots."""
