"""Hypothesis strategies for the Microsoft Graph phone authentication methods API.

Importable on its own: ``from strategies import valid_phone_numbers, matching_pairs``.
"""
