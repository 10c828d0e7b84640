"""Pose data: the :class:`PoseSequence` contract, landmark indices, and the MediaPipe adapter."""

from hipsight.pose.sequence import PoseSequence, SequenceMeta, read_landmarks

__all__ = ["PoseSequence", "SequenceMeta", "read_landmarks"]
