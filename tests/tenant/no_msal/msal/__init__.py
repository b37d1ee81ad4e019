"""Stands in for an environment without msal: importing it fails as a missing package would."""

raise ImportError("No module named 'msal'")
