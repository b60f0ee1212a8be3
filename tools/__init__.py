"""Tools that are not the product: benchmarks (`python -m tools.bench`)."""
