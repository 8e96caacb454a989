"""Reports: one model (``model.py``) rendered as CSV, JSON, HTML and PNG."""
