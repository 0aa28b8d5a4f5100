"""TensorBoard event files: every value SummaryWriter wrote reads back (float32-equal),
as tensorboard's own EventAccumulator reads it; damage is located by record."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from netcanvas.formats.base import FormatError
from netcanvas.logs import read_logs
from netcanvas.logs.model import LogFormatError
from netcanvas.logs.tfevents import scalars
from tests.logs.conftest import WALL, TensorBoardLogs


def event_file(folder: Path) -> Path:
    (path,) = folder.glob("events.out.tfevents.*")
    return path


def record_offsets(data: bytes) -> list[int]:
    """Start of every complete record (independent of the reader under test)."""
    out, pos = [], 0
    while pos + 16 <= len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        if pos + 16 + length > len(data):
            break
        out.append(pos)
        pos += 16 + length
    return out


def write_events(path: Path, events: list[object]) -> None:
    """Frame Event protos with tensorboard's own RecordWriter."""
    from tensorboard.summary.writer.record_writer import RecordWriter

    with path.open("wb") as stream:
        writer = RecordWriter(stream)
        for event in events:
            writer.write(event.SerializeToString())  # type: ignore[attr-defined]


def test_every_value_written_reads_back(tb_logs: TensorBoardLogs) -> None:
    runs = {r.name: r for r in read_logs([tb_logs.root], raw_names=True)}
    assert set(runs) == {"baseline", "wide"}
    for name, tags in tb_logs.written.items():
        run = runs[name]
        assert run.source == str(tb_logs.root / name)
        assert set(run.metrics) == set(tags)  # the histogram and the text are not scalars
        for tag, points in tags.items():
            series = run.metrics[tag]
            assert series.steps.tolist() == [p[0] for p in points]
            expected = np.array([p[1] for p in points], dtype=np.float32)
            assert np.array_equal(series.values.astype(np.float32), expected), tag
            assert np.array_equal(series.values, expected.astype(np.float64)), tag
            assert series.times is not None
            assert series.times.tolist() == [p[2] for p in points]


def test_same_as_tensorboard_event_accumulator(tb_logs: TensorBoardLogs) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    folder = tb_logs.root / "wide"
    accumulator = EventAccumulator(str(folder), size_guidance={"scalars": 0, "tensors": 0})
    accumulator.Reload()
    run = read_logs([folder], raw_names=True)[0]
    old_style = accumulator.Tags()["scalars"]
    assert sorted(old_style) == sorted(set(run.metrics) - {"learning_rate"})
    for tag in old_style:
        events = accumulator.Scalars(tag)
        assert run.metrics[tag].steps.tolist() == [e.step for e in events]
        assert run.metrics[tag].values.tolist() == [e.value for e in events]
        assert run.metrics[tag].times.tolist() == [e.wall_time for e in events]  # type: ignore[union-attr]
    tensors = accumulator.Tensors("learning_rate")
    assert run.metrics["learning_rate"].values.tolist() == [
        float(t.tensor_proto.float_val[0]) for t in tensors
    ]


def test_names_become_keras_names(tb_logs: TensorBoardLogs) -> None:
    run = read_logs([tb_logs.root / "baseline"])[0]
    assert list(run.metrics) == ["loss", "val_loss", "val_accuracy", "lr"]
    assert run.metrics["val_accuracy"].raw_name == "Accuracy/val"
    assert run.name == "baseline"


def test_truncated_last_record_is_not_an_error(tb_logs: TensorBoardLogs, tmp_path: Path) -> None:
    data = event_file(tb_logs.root / "baseline").read_bytes()
    offsets = record_offsets(data)
    assert offsets[-1] + 16 < len(data)  # the file ends with a complete record
    full = scalars(data)
    last = offsets[-1]
    for cut in (last + 3, last + 12, last + 14, len(data) - 1):
        partial = scalars(data[:cut])
        dropped = sum(len(s) for s in full.values()) - sum(len(s) for s in partial.values())
        assert dropped == 1, cut
        for tag, series in partial.items():
            n = len(series)
            assert np.array_equal(series.values, full[tag].values[:n])
    path = tmp_path / "events.out.tfevents.1.partial"
    path.write_bytes(data[: last + 5])
    assert read_logs([path])[0].metrics


def test_garbage_is_located_at_record_1(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.123.host"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(LogFormatError) as caught:
        read_logs([path])
    assert caught.value.line == 1 and caught.value.column == 1
    assert str(caught.value) == (
        f"{path}: record 1: bad header checksum: not a TensorBoard event file"
    )


def test_corrupted_payload_is_located_at_its_record(tb_logs: TensorBoardLogs) -> None:
    data = bytearray(event_file(tb_logs.root / "baseline").read_bytes())
    offsets = record_offsets(bytes(data))
    index = 57
    length = struct.unpack_from("<Q", data, offsets[index])[0]
    data[offsets[index] + 12 + length - 2] ^= 0x40  # inside the float value
    with pytest.raises(FormatError) as caught:
        scalars(bytes(data))
    assert caught.value.line == index + 1
    assert caught.value.message == f"record {index + 1}: data checksum mismatch (corrupted file)"
    unchecked = scalars(bytes(data), check_crc=False)  # documented: the check can be skipped
    clean = scalars(event_file(tb_logs.root / "baseline").read_bytes())
    assert any(not np.array_equal(unchecked[t].values, clean[t].values) for t in clean)


def test_corrupted_length_is_located_at_its_record(tb_logs: TensorBoardLogs) -> None:
    data = bytearray(event_file(tb_logs.root / "wide").read_bytes())
    offsets = record_offsets(bytes(data))
    data[offsets[30]] ^= 0x01
    with pytest.raises(FormatError) as caught:
        scalars(bytes(data))
    assert caught.value.line == 31
    assert "record 31: bad header checksum" in caught.value.message


def test_records_the_bulk_decoder_leaves(tmp_path: Path) -> None:
    """Step 0 (no step field), a negative step, several values in one event, a double
    tensor scalar and no wall time: all decoded by the protobuf path, in record order."""
    from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2

    def simple(tag: str, value: float) -> summary_pb2.Summary.Value:
        return summary_pb2.Summary.Value(tag=tag, simple_value=value)

    scalar_meta = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")
    )
    double = tensor_pb2.TensorProto(dtype=2, double_val=[0.123456789012345])
    events = [
        event_pb2.Event(wall_time=WALL, file_version="brain.Event:2"),
        event_pb2.Event(
            wall_time=WALL + 1, step=0, summary=summary_pb2.Summary(value=[simple("a", 1.5)])
        ),
        event_pb2.Event(
            wall_time=WALL + 2, step=-3, summary=summary_pb2.Summary(value=[simple("a", 2.5)])
        ),
        event_pb2.Event(
            wall_time=WALL + 3,
            step=7,
            summary=summary_pb2.Summary(value=[simple("a", 3.5), simple("b", 4.5)]),
        ),
        event_pb2.Event(
            wall_time=WALL + 4,
            step=8,
            summary=summary_pb2.Summary(
                value=[summary_pb2.Summary.Value(tag="c", tensor=double, metadata=scalar_meta)]
            ),
        ),
        event_pb2.Event(step=9, summary=summary_pb2.Summary(value=[simple("a", 5.5)])),
        event_pb2.Event(
            wall_time=WALL + 6, step=10, summary=summary_pb2.Summary(value=[simple("a", 6.5)])
        ),
    ]
    path = tmp_path / "events.out.tfevents.5.host"
    write_events(path, events)
    got = scalars(path.read_bytes())
    assert got["a"].steps.tolist() == [0, -3, 7, 9, 10]
    assert got["a"].values.tolist() == [1.5, 2.5, 3.5, 5.5, 6.5]
    assert got["a"].times.tolist() == [WALL + 1, WALL + 2, WALL + 3, 0.0, WALL + 6]  # type: ignore[union-attr]
    assert got["b"].steps.tolist() == [7] and got["b"].values.tolist() == [4.5]
    assert got["c"].values.tolist() == [0.123456789012345]
    assert list(got) == ["a", "b", "c"]


def test_bytes_that_are_not_an_event(tmp_path: Path) -> None:
    from tensorboard.summary.writer.record_writer import RecordWriter

    path = tmp_path / "events.out.tfevents.9.host"
    with path.open("wb") as stream:
        RecordWriter(stream).write(b"\xff\xff\xff")
    with pytest.raises(LogFormatError) as caught:
        read_logs([path])
    assert str(caught.value) == f"{path}: record 1: not a TensorBoard Event protocol buffer"


def test_several_event_files_make_one_run(tmp_path: Path) -> None:
    """A resumed run: two event files in one folder, read in the time order of their names."""
    from torch.utils.tensorboard import SummaryWriter

    folder = tmp_path / "runs" / "resumed"
    folder.mkdir(parents=True)
    for first, stamp in ((5, "1700000100"), (0, "1700000000")):  # the later file first
        writer = SummaryWriter(str(tmp_path / f"w{first}"))
        for step in range(first, first + 5):
            writer.add_scalar("loss", 1.0 / (step + 1), step, walltime=WALL + step)
        writer.close()
        event_file(tmp_path / f"w{first}").rename(folder / f"events.out.tfevents.{stamp}.host")
    runs = read_logs([tmp_path / "runs"])
    assert [r.name for r in runs] == ["resumed"]
    assert runs[0].metrics["loss"].steps.tolist() == list(range(10))
    assert np.array_equal(
        runs[0].metrics["loss"].values, np.float32([1.0 / (s + 1) for s in range(10)])
    )


def test_keras_tensorboard_layout_joins_train_and_validation(tmp_path: Path) -> None:
    """Keras's TensorBoard callback: logs/fit/train and logs/fit/validation, epoch_* tags."""
    from torch.utils.tensorboard import SummaryWriter

    for phase, offset in (("train", 0.0), ("validation", 0.1)):
        writer = SummaryWriter(str(tmp_path / "fit" / phase))
        for epoch in range(3):
            writer.add_scalar("epoch_loss", 1.0 - 0.2 * epoch + offset, epoch)
            writer.add_scalar("epoch_accuracy", 0.5 + 0.1 * epoch - offset, epoch)
        writer.close()
    (run,) = read_logs([tmp_path / "fit"])
    assert run.name == "fit"
    assert list(run.metrics) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert np.array_equal(run.metrics["val_loss"].values, np.float32([1.1, 0.9, 0.7]))


def test_an_event_file_under_another_name_is_sniffed(
    tb_logs: TensorBoardLogs, tmp_path: Path
) -> None:
    copy = tmp_path / "baseline.bin"
    shutil.copy(event_file(tb_logs.root / "baseline"), copy)
    run = read_logs([copy])[0]
    assert run.format == "tensorboard" and len(run.metrics["loss"]) == 120


def test_tensor_scalars_as_tf2_writes_them(tmp_path: Path) -> None:
    """tf.summary.scalar: a float32 tensor, the "scalars" plugin named in the tag's first
    event only. A float tensor of another plugin is not a scalar. Checked against
    EventAccumulator's tensors, and the bulk decoder must take the metadata-less events."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2
    from tensorboard.util import tensor_util

    from netcanvas.logs.tfbulk import PAD, decode
    from netcanvas.logs.tfevents import _frame

    def value(tag: str, number: float, plugin: str | None, content: bool) -> object:
        tensor = tensor_pb2.TensorProto(dtype=1)
        tensor.tensor_shape.SetInParent()
        if content:
            tensor.tensor_content = struct.pack("<f", number)
        else:
            tensor.float_val.append(number)
        metadata = None
        if plugin:
            metadata = summary_pb2.SummaryMetadata(
                plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name=plugin)
            )
        return summary_pb2.Summary.Value(tag=tag, tensor=tensor, metadata=metadata)

    events = [event_pb2.Event(wall_time=WALL, file_version="brain.Event:2")]
    for step in range(1, 30):
        for tag, plugin in (("epoch_loss", "scalars"), ("custom", "my_plugin")):
            first = step == 1
            number = 1.0 / step + (0.5 if tag == "custom" else 0.0)
            summary = summary_pb2.Summary(
                value=[value(tag, number, plugin if first else None, content=step % 2 == 0)]
            )
            events.append(event_pb2.Event(wall_time=WALL + step, step=step, summary=summary))
    folder = tmp_path / "tf2" / "train"
    folder.mkdir(parents=True)
    path = folder / "events.out.tfevents.1700000000.host.v2"
    write_events(path, events)
    assert b"\x12\x00" in path.read_bytes()  # the empty shape TF writes
    data = path.read_bytes()
    starts, lengths = _frame(data)
    fast = decode(np.frombuffer(data + bytes(PAD), dtype=np.uint8), starts, lengths)
    assert int(fast.tensor.sum()) == 2 * 28  # every event but each tag's first

    got = scalars(data)
    assert list(got) == ["epoch_loss"]
    accumulator = EventAccumulator(str(folder), size_guidance={"tensors": 0})
    accumulator.Reload()
    expected = accumulator.Tensors("epoch_loss")
    assert got["epoch_loss"].steps.tolist() == [e.step for e in expected]
    assert got["epoch_loss"].values.tolist() == [
        float(tensor_util.make_ndarray(e.tensor_proto)) for e in expected
    ]
    (run,) = read_logs([tmp_path / "tf2"])
    assert run.name == "train" and list(run.metrics) == ["loss"]
