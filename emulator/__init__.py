"""Reference emulator of Microsoft Graph v1.0 phone authentication methods (``phoneMethods``).

Public entry points: :func:`emulator.server.start_in_thread`, :func:`emulator.app.create_app`,
:func:`emulator.config.load_config`, and ``python -m emulator``.
"""
