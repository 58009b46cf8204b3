"""Questionnaires: lenient answer parsing, dialogue order, mapping onto the engine."""
