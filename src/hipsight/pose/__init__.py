"""Pose data: the :class:`PoseSequence` contract, landmark indices, and the MediaPipe adapter."""

from hipsight.pose.sequence import PoseSequence, SequenceMeta

__all__ = ["PoseSequence", "SequenceMeta"]
