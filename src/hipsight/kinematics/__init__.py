"""Kinematics: joint and segment angles over all frames at once (pure numpy and scipy.signal).

- :mod:`~hipsight.kinematics.angles`: the angle registry and :func:`compute_angles`;
- :mod:`~hipsight.kinematics.table`: :class:`AngleSpec` and :class:`AngleTable`;
- :mod:`~hipsight.kinematics.cleaning`: validity, gap interpolation, zero-phase filter;
- :mod:`~hipsight.kinematics.anterior`: which way the person faces in the image;
- :mod:`~hipsight.kinematics.geometry`: vector helpers.

Conventions are in docs/angles.md. Nothing here imports cv2 or mediapipe.
"""
