"""Training logs in the editor (issue 15, items 2-3): TensorBoard logs written by torch's
SummaryWriter, zipped, imported with the Train panel's "Import logs…"; the runs join the
list and the charts, drawn against steps or wall time; the Figure button gives the very
file `netcanvas plot` writes for the same logs and options; a bad file says where and
imports nothing; a CSV dropped on the runs list imports too."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import need

from .helpers import tid

pytestmark = pytest.mark.e2e

WALL = 1_700_000_000.0
POINTS = "(id) => Number(document.querySelector(`[data-testid=${id}]`).dataset.points)"


@pytest.fixture(scope="module")
def tb_zip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two runs as TensorBoard lays them out (one folder each), and the same as a zip."""
    need("torch")
    from torch.utils.tensorboard import SummaryWriter

    root = tmp_path_factory.mktemp("tb") / "runs"
    for run, rate in (("baseline", 0.9), ("wide", 0.8)):
        writer = SummaryWriter(str(root / run))
        for step in range(40):
            wall = WALL + step * 2.0
            writer.add_scalar("Loss/train", 2.0 * rate**step + 0.1, step, walltime=wall)
            if step % 5 == 4:
                writer.add_scalar("Loss/val", 2.1 * rate**step + 0.15, step, walltime=wall)
                writer.add_scalar("Accuracy/val", 1 - rate**step / 2, step, walltime=wall)
        writer.close()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(root).as_posix())
    zipped = root.parent / "runs.zip"
    zipped.write_bytes(buffer.getvalue())
    return root, zipped


def open_train(page: Page) -> None:
    tid(page, "tab-train").click()
    expect(tid(page, "logs-import")).to_be_visible()


def imported_rows(page: Page) -> list[str]:
    return page.locator(".run-row .run-status").all_inner_texts()


def test_imported_logs_are_drawn_and_export_the_cli_figure(
    page: Page, tb_zip: tuple[Path, Path], tmp_path: Path
) -> None:
    root, zipped = tb_zip
    open_train(page)
    with page.expect_file_chooser() as chooser:
        tid(page, "logs-import").click()
    chooser.value.set_files(str(zipped))
    expect(page.locator(".run-row")).to_have_count(2, timeout=15000)
    assert imported_rows(page) == ["imported", "imported"]
    names = page.locator(".run-row .run-name").all_inner_texts()
    assert sorted(n.split(" ")[0] for n in names) == ["baseline", "wide"]
    # Both runs drawn: every step of the 40, both runs on both charts.
    expect(tid(page, "chart-loss")).to_have_attribute("data-series", "2", timeout=10000)
    expect(tid(page, "chart-loss")).to_have_attribute("data-points", "40")
    expect(tid(page, "chart-accuracy")).to_have_attribute("data-series", "2")
    # Against wall time: 0, 2, ..., 78 seconds since each run's first record.
    tid(page, "chart-x").select_option("time")
    expect(tid(page, "chart-loss")).to_have_attribute("data-x", "time")
    expect(tid(page, "chart-loss")).to_have_attribute("data-x-max", "78")
    expect(tid(page, "chart-loss")).to_have_attribute("data-points", "40")

    # The figure of what is drawn: the same bytes as `netcanvas plot` of the log folder.
    tid(page, "chart-export-format").select_option("svg")
    tid(page, "chart-export-theme").select_option("mono")
    tid(page, "chart-export-width").fill("3.3in")
    with page.expect_download() as download:
        tid(page, "chart-export").click()
    ours = tmp_path / "editor.svg"
    download.value.save_as(ours)
    assert download.value.suggested_filename == "curves.svg"
    # Drawn (and so in the legend): the shown run first, then the ones ticked to compare.
    shown = page.locator(".run-row.shown .run-name").inner_text().split(" ")[0]
    order = [shown, *(n.split(" ")[0] for n in names if not n.startswith(shown))]
    cli = tmp_path / "cli.svg"
    done = subprocess.run(
        [sys.executable, "-m", "netcanvas", "plot", *(str(root / name) for name in order),
         "-o", str(cli), "--x", "time", "--theme", "mono", "--width", "3.3in", "--smooth", "0"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert ours.read_bytes() == cli.read_bytes()
    assert page_errors(page) == []


def test_a_bad_log_says_where_and_a_dropped_csv_imports(page: Page) -> None:
    open_train(page)
    bad = "epoch,loss,val_loss\n0,0.9,1.0\n1,zero point five,0.7\n"
    with page.expect_file_chooser() as chooser:
        tid(page, "logs-import").click()
    chooser.value.set_files({"name": "history.csv", "mimeType": "text/csv", "buffer": bad.encode()})
    error = page.locator(".train-error")
    expect(error).to_be_visible(timeout=10000)
    expect(error).to_contain_text("history.csv")
    expect(error).to_contain_text("line 3")
    expect(page.locator(".run-row")).to_have_count(0)

    # Dropped on the runs list, as a file from the desktop would be.
    good = (
        "epoch,loss,accuracy,val_loss,val_accuracy\n"
        "0,0.9,0.5,1.0,0.45\n1,0.5,0.7,0.7,0.6\n2,0.3,0.8,0.6,0.7\n"
    )
    page.evaluate(
        """(text) => {
          const data = new DataTransfer();
          data.items.add(new File([text], 'keras.csv', {type: 'text/csv'}));
          const box = document.querySelector('.train-runs');
          const event = (kind) =>
            new DragEvent(kind, {dataTransfer: data, bubbles: true, cancelable: true});
          box.dispatchEvent(event('dragover'));
          box.dispatchEvent(event('drop'));
        }""",
        good,
    )
    expect(page.locator(".run-row")).to_have_count(1, timeout=10000)
    expect(error).to_be_hidden()
    expect(tid(page, "chart-loss")).to_have_attribute("data-points", "3", timeout=10000)
    expect(tid(page, "chart-accuracy")).to_have_attribute("data-series", "1")
    assert page_errors(page) == []


def page_errors(page: Page) -> list[str]:
    errors: list[str] = vars(page)["page_errors"]
    return errors
