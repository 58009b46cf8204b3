"""Reading what athletes type: numbers, amounts, durations, distances, times of day,
choices and time zones, each from the tables of ``content/<lang>/readings.yaml``.

Pure functions: no clock (``today`` is an argument), no I/O beyond tzdata's static tables.
``flows.questionnaire.answers`` picks the reader for a question; docs/reading.md explains
the rules and why each is hand-written or left to a library (dateparser).
"""
