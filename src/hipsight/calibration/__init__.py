"""Calibration: camera intrinsics, camera level and a person's neutral baseline.

- :mod:`~hipsight.calibration.intrinsics`: chessboard detection and ``calibrateCamera``;
- :mod:`~hipsight.calibration.uncertainty`: the intrinsics' covariance carried to the angles (the
  acceptance rule), and the views' coverage behind the advice when a calibration is refused;
- :mod:`~hipsight.calibration.store`: :class:`CameraCalibration`, its TOML file, the default
  calibration, :func:`undistort_sequence` and :func:`apply_calibration`;
- :mod:`~hipsight.calibration.level`: camera roll and pitch from a level board or a still stance;
- :mod:`~hipsight.calibration.baseline`: reference angles and segment lengths of a person;
- :mod:`~hipsight.calibration.scale`: pixels to centimetres from the person's height;
- :mod:`~hipsight.calibration.cli`: ``hipsight calibrate ...``.

Only this package imports cv2 for calibration work (lazily, inside functions); the kinematics
layer receives undistorted landmarks and a roll angle. File formats: docs/calibration.md.
"""
