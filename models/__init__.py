"""Tables, the contract's codes and labels, the metrics.json model, and database setup."""
