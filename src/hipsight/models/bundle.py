"""Build a PoseLandmarker ``.task`` bundle from the raw BlazePose TFLite files of an old wheel.

mediapipe 1.x ships no model file, and its Tasks API needs TFLite metadata (an image input with
NormalizationOptions) that the raw ``.tflite`` files in ``mediapipe==0.10.21`` lack. We add that
metadata with the flatbuffers schema modules that mediapipe 1.x itself ships, then zip the two
models under the names the PoseLandmarker graph expects. See DESIGN.md section 5.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

DETECTOR_ENTRY = "pose_detector.tflite"
LANDMARKS_ENTRY = "pose_landmarks_detector.tflite"
BUNDLE_ENTRIES = (DETECTOR_ENTRY, LANDMARKS_ENTRY)
_FIXED_ZIP_TIME = (2025, 1, 31, 0, 0, 0)  # fixed timestamp -> byte-identical, verifiable builds


@dataclass(frozen=True)
class Normalization:
    """Input normalisation of a TFLite image model: ``(pixel - mean) / std``."""

    mean: float
    std: float


DETECTOR_NORMALIZATION = Normalization(mean=127.5, std=127.5)
LANDMARKS_NORMALIZATION = Normalization(mean=0.0, std=255.0)


def build_metadata_buffer(name: str, norm: Normalization, n_outputs: int) -> bytes:
    """Return a TFLITE_METADATA flatbuffer: one RGB image input with normalisation options."""
    import flatbuffers
    from mediapipe.tasks.metadata import metadata_schema_py_generated as md

    options = md.NormalizationOptionsT()
    options.mean = [norm.mean]
    options.std = [norm.std]
    unit = md.ProcessUnitT()
    unit.optionsType = md.ProcessUnitOptions.NormalizationOptions
    unit.options = options

    image = md.ImagePropertiesT()
    image.colorSpace = md.ColorSpaceType.RGB
    content = md.ContentT()
    content.contentPropertiesType = md.ContentProperties.ImageProperties
    content.contentProperties = image
    stats = md.StatsT()
    stats.max = [255.0]
    stats.min = [0.0]

    tensor_in = md.TensorMetadataT()
    tensor_in.name = "image"
    tensor_in.content = content
    tensor_in.processUnits = [unit]
    tensor_in.stats = stats
    outputs = []
    for i in range(n_outputs):
        tensor_out = md.TensorMetadataT()
        tensor_out.name = f"output_{i}"
        outputs.append(tensor_out)

    subgraph = md.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [tensor_in]
    subgraph.outputTensorMetadata = outputs
    model_meta = md.ModelMetadataT()
    model_meta.name = name
    model_meta.subgraphMetadata = [subgraph]
    model_meta.minParserVersion = "1.0.0"

    builder = flatbuffers.Builder(0)
    builder.Finish(model_meta.Pack(builder), b"M001")
    return bytes(builder.Output())


def add_image_metadata(model: bytes, name: str, norm: Normalization) -> bytes:
    """Return ``model`` (TFLite flatbuffer) with a TFLITE_METADATA buffer appended."""
    import flatbuffers
    from mediapipe.tasks.metadata import schema_py_generated as tfl

    if len(model) < 8 or model[4:8] != b"TFL3":
        raise ValueError(
            f"{name}: not a TFLite flatbuffer (expected identifier TFL3, got {model[4:8]!r})"
        )
    tree = tfl.ModelT.InitFromPackedBuf(bytearray(model), 0)
    existing = [
        m for m in (tree.metadata or []) if m.name not in (b"TFLITE_METADATA", "TFLITE_METADATA")
    ]
    n_outputs = len(tree.subgraphs[0].outputs)
    buffer = tfl.BufferT()
    buffer.data = list(build_metadata_buffer(name, norm, n_outputs))
    tree.buffers.append(buffer)
    entry = tfl.MetadataT()
    entry.name = "TFLITE_METADATA"
    entry.buffer = len(tree.buffers) - 1
    tree.metadata = [*existing, entry]
    builder = flatbuffers.Builder(0)
    builder.Finish(tree.Pack(builder), b"TFL3")
    return bytes(builder.Output())


def build_task_bundle(detector_tflite: bytes, landmarks_tflite: bytes) -> bytes:
    """Return the bytes of a PoseLandmarker ``.task`` zip built from the two raw models."""
    detector = add_image_metadata(detector_tflite, "pose_detector", DETECTOR_NORMALIZATION)
    landmarks = add_image_metadata(
        landmarks_tflite, "pose_landmarks_detector", LANDMARKS_NORMALIZATION
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as bundle:
        for entry, data in ((DETECTOR_ENTRY, detector), (LANDMARKS_ENTRY, landmarks)):
            info = zipfile.ZipInfo(entry, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED
            bundle.writestr(info, data)
    return out.getvalue()


def check_task_bundle(data: bytes) -> None:
    """Raise ValueError unless ``data`` is a zip holding the two PoseLandmarker models."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            names = set(bundle.namelist())
            bad = bundle.testzip()
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not a .task bundle (not a zip file: {exc})") from exc
    missing = [e for e in BUNDLE_ENTRIES if e not in names]
    if missing:
        raise ValueError(
            f"not a PoseLandmarker bundle: expected entries {list(BUNDLE_ENTRIES)}, "
            f"missing {missing}"
        )
    if bad is not None:
        raise ValueError(f"corrupt .task bundle: entry {bad} fails its CRC check")
