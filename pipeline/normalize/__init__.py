"""Normalisation: raw frames → typed tables through the field dictionary (`tables`), and the cache of typed rows
kept between builds (`cache`)."""
