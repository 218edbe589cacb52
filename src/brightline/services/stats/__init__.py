"""Statistics: the event stream (``events.emit``), the questions asked of its rollups
(``report``), small-cell suppression, metrics for operators and transparency exports."""
