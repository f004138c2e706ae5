"""Charts: unreadable answers apart from IaC findings in the lost-points bars, an x-axis fitted
to the data, and a difference chart whose subtitle stays inside the picture."""

from __future__ import annotations

import io

import matplotlib.image
import pytest

import evalkit
from evalkit.analysis import plots
from evalkit.analysis.compare import compare, split_run
from tests.answers import OPEN_SSH
from tests.test_compare_groups import models_run

BROKEN = '```hcl\nresource "aws_s3_bucket" "b" {\n  bucket = \n```'
BUCKET = '```hcl\nresource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n```'


@pytest.fixture(scope="module")
def run() -> evalkit.Run:
    records = [
        {"id": "broken", "response": BROKEN},
        {"id": "prose", "response": "I would use a bucket."},
        {"id": "ssh", "response": OPEN_SSH},
        {"id": "bucket", "response": BUCKET},
    ]
    return evalkit.score(records, cache=False, jobs=1)


def test_unread_answers_cost_points_apart_from_iac_findings(run: evalkit.Run) -> None:
    statuses = run.scores.set_index("submission_id")["status"]
    assert statuses["broken"] == "parse_error" and statuses["prose"] == "no_terraform"
    table = plots.lost_points_by_cause(run).set_index("category")["points_lost"]
    scores = run.scores.set_index("submission_id")["score"]
    unread = (100 - scores["broken"]) + (100 - scores["prose"])
    assert table[plots.NOT_PARSED] == pytest.approx(unread / 4)
    # The iac segment holds only findings about Terraform that was read.
    assert table["iac"] == pytest.approx(
        plots.lost_points(run.scores[run.scores["status"] == "ok"])
        .set_index("category")
        .loc["iac", "points_lost"]
        * 2
        / 4
    )
    assert table.sum() == pytest.approx(100 - scores.mean(), abs=0.01)  # scores are rounded


def test_lost_points_axis_is_fitted_to_the_longest_bar(run: evalkit.Run) -> None:
    read = run.scores[run.scores["status"] == "ok"]
    total = 100 - read["score"].mean()
    fig = plots.lost_points_bars(read)
    left, right = fig.axes[0].get_xlim()
    assert left == 0 and total < right <= 1.6 * total
    assert max(fig.axes[0].get_xticks()) <= min(right, 100)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert plots.NOT_PARSED not in labels
    labels = [t.get_text() for t in plots.lost_points_bars(run).legends[0].get_texts()]
    assert plots.NOT_PARSED in labels


def test_check_difference_chart_subtitle_is_not_clipped() -> None:
    parts = split_run(models_run(), "model")
    comparison = compare(parts["a"], parts["b"], on="prompt_id", n_boot=200)
    figure = plots.difference_chart(comparison, "check")
    for dpi in (80, 120):
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi)
        buffer.seek(0)
        pixels = matplotlib.image.imread(buffer)
        # The title band: no text may touch the right edge of the picture.
        band = pixels[: int(0.12 * pixels.shape[0]), -3:, :3]
        assert (band > 0.9).all()
