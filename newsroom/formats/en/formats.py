"""English dates and times, read one way across the desk: "6 Dec 2026 23:20".

Django's own admin pages (history, revisions, the audit trail, the comment queue) show dates
through these names; the desk's changelist columns use the same day-month-24-hour style. Input
formats are not set here, so Django's English ones still apply to what editors type.
"""

DATE_FORMAT = "j M Y"  # 6 Dec 2026
TIME_FORMAT = "H:i"  # 23:20
DATETIME_FORMAT = "j M Y H:i"  # 6 Dec 2026 23:20
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M H:i"  # 6 Dec 23:20, as the entry list's "last edited" column
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
