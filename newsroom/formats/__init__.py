"""Date and time formats of the site (FORMAT_MODULE_PATH), one per language."""
