"""The benchmark harness (`harness`) and the live-ingestion request-budget simulation (`budget`): `make bench`."""
