"""The guided webcam assessment (``hipsight assess``): live capture, hints, overlays, recording.

See docs/assess.md. Nothing is imported here: ``hipsight.live.cli.register`` wires the command,
``hipsight.live.runner.run_assess`` runs a session.
"""
