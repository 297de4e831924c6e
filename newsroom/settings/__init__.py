"""Settings by environment: base (safe production defaults), dev, test, production."""
