"""Reference emulator of Microsoft Graph v1.0 phone authentication methods (``phoneMethods``).

Public entry points: :func:`graph_phone_emulator.server.start_in_thread`, :func:`graph_phone_emulator.app.create_app`,
:func:`graph_phone_emulator.config.load_config`, and ``python -m graph_phone_emulator``.
"""
