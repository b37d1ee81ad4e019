"""graph-phone-conformance: a conformance suite for Microsoft Graph's phone authentication methods API."""

__version__ = "0.1.0"
