"""An experiment's report in Japanese: the table's headers, the summary sentences, their numbers."""

from deepkiso.experiments.report import (
    batch_size_summary,
    group_results,
    markdown_table,
    sampling_summary,
)
from deepkiso.experiments.sweep import TrialSpec
from deepkiso.experiments.tables import batch_size_table, sampling_table


def _record(spec, test_accuracy, gap):
    """A made-up finished trial (as in test_report.py): only what the report reads."""
    batch_size = spec.phases[0][0]
    final = {
        "train_loss": 0.2,
        "train_accuracy": test_accuracy + gap,
        "test_loss": 0.2 + gap,
        "test_accuracy": test_accuracy,
    }
    n_batches = 1000 // batch_size + 1
    return {
        "trial_id": spec.trial_id,
        "status": "ok",
        "spec": spec.to_dict(),
        "label": spec.config_label,
        "final": final,
        "gap_accuracy": gap,
        "gap_loss": gap,
        "epochs": 2,
        "updates": 2 * n_batches,
        "lr": [spec.lr],
        "epochs_to_target": None,
        "updates_to_target": None,
        "curves": [
            {
                "epoch": e,
                "iteration": e * n_batches,
                "batch_size": batch_size,
                "lr": spec.lr,
                **final,
            }
            for e in (1, 2)
        ],
        "diverged_at": None,
        "per_class_test_accuracy": [test_accuracy] * 3,
        "measurements": {
            "seconds": 1.0,
            "epoch_seconds": 10 / batch_size + 0.1,
            "train_seconds_per_epoch": 10 / batch_size,
            "seconds_to_target": None,
            "step_peak_bytes": 1000 * batch_size,
            "blas_threads": 1,
        },
    }


def _growing_gap():
    """Three seeds of batch sizes 8, 64, 512 at a fixed and a linearly scaled rate: the gap grows."""
    records = []
    for scaling in ("none", "linear"):
        for batch_size, gap in ((8, 0.01), (64, 0.03), (512, 0.06)):
            accuracy = 0.95 - (0.0 if batch_size < 512 else 0.10 if scaling == "none" else 0.025)
            for seed, wobble in enumerate((-0.002, 0.0, 0.002)):
                spec = TrialSpec(
                    experiment="batch-size",
                    dataset="digits",
                    seed=seed,
                    phases=((batch_size, 2),),
                    lr_scaling=scaling,
                )
                records.append(_record(spec, accuracy + wobble, gap + wobble))
    return records


def test_the_batch_size_report_is_in_japanese_with_its_numbers(japanese):
    groups = group_results(_growing_gap())
    lines = batch_size_summary(groups)
    assert lines[0] == (
        "汎化ギャップ (訓練 − テストの正解率、学習率 none) はバッチ 8 で +0.010、バッチ 512 で "
        "+0.060 です。バッチサイズとともに単調に大きくなります (変化 +0.050、シードによるばらつき "
        "(± 0.002) より大きい、バッチサイズとの順位相関 +1.00)。損失 (テスト − 訓練) では "
        "+0.010 → +0.060 です。"
    )
    assert lines[1].startswith(
        "テストの正解率はバッチ 8 で最も高く (0.950 ± 0.002)、バッチ 512 では 0.850 ± 0.002 です。"
        "エポック数が同じなら、バッチ 512 のパラメータ更新は 4 回で、バッチ 8 の 252 回より少なくなります。"
    )
    # sentences follow one another without the English space after a "。"
    assert "(0.925 vs 0.850)。基準のバッチサイズより小さいところでは" in lines[2]
    assert lines[3].startswith("コスト: 1 エポック分の更新にかかる時間は、バッチ 8 で 1.25 秒")
    header, _rule, first = batch_size_table(groups).splitlines()[:3]
    assert [cell.strip() for cell in header.strip("|").split("|")] == [
        "設定",
        "シード数",
        "テスト正解率",
        "訓練正解率",
        "ギャップ (正解率)",
        "ギャップ (損失)",
        "更新回数",
        "目標までのエポック数",
        "秒/エポック",
        "ステップ MB",
    ]
    assert "| B=8 " in first and "| 0.950 ± 0.002 |" in first


def test_the_sampling_report_uses_the_course_terms(japanese):
    records = []
    for sampler, accuracy in (("shuffle", 0.90), ("replacement", 0.899)):
        for seed, wobble in enumerate((-0.01, 0.0, 0.01)):
            spec = TrialSpec(
                experiment="sampling",
                dataset="digits",
                seed=seed,
                phases=((32, 2),),
                sampler=sampler,
            )
            records.append(_record(spec, accuracy + wobble, 0.01))
    groups = group_results(records)
    lines = sampling_summary(groups)
    assert lines[0] == "テストの正解率 (高い順): shuffle 0.900 ± 0.010, replacement 0.899 ± 0.010。"
    assert lines[1] == (
        "復元抽出と非復元抽出 (エポックごとにシャッフル) の比較: 0.899 対 0.900、差は -0.001 です "
        "(シードによるばらつき (± 0.010) の範囲内)。"
    )
    assert sampling_table(groups).splitlines()[0].startswith("| サンプラー  | シード数 |")


def test_a_table_of_japanese_text_lines_up_by_display_width():
    # a full-width character takes two places, so the rows line up in a terminal
    lines = markdown_table(["設定", "値"], [["B=8", "1.5"]]).splitlines()
    assert lines == ["| 設定 |  値 |", "|:-----|----:|", "| B=8  | 1.5 |"]
