"""The warehouse: run the sql/ layers, run the data tests, publish atomically (`run`); read it (`warehouse`);
export its marts (`export`)."""
