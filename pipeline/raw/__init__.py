"""The raw layer: every upstream frame as fetched, append-only, with its manifest (`store`)."""
