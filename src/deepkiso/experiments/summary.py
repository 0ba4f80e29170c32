"""The summary of a finished sweep in words: sentences generated from the groups' means and spreads.

The batch-size sweep (the group work バッチサイズの決め方): the generalization gap's trend, test
accuracy, what scaling the learning rate won back, cost, time to a target accuracy, schedules. The
sampling sweep (exercise 2_1): the ranking, why sequential order hurts on data sorted by label (and
what it did), with against without replacement, the rare classes. A difference smaller than the
seeds' spread is called one. ``report.write_report`` puts them under the table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

import numpy as np

from deepkiso.experiments.groups import Group
from deepkiso.experiments.tables import class_subset_mean, plus_minus, rare_classes
from deepkiso.i18n import _

__all__ = ["batch_size_summary", "sampling_summary"]


def _mean(group: Group, metric: str) -> float:
    """group's mean of a metric its caller knows was measured (the test accuracy of a group with
    values, ...)."""
    mean = group.mean(metric)
    assert mean is not None, f"{group.label}: {metric} was not measured"
    return mean


def _size(group: Group) -> int:
    """The batch size of a group of one batch size (the groups of ``_ok_fixed``)."""
    size = group.batch_size
    assert size is not None, f"{group.label}: a schedule of batch sizes"
    return size


def _spread(*groups: Group, metric: str) -> float:
    """The larger of the groups' seed spreads (std) of metric; 0 when unknown."""
    return max([g.std(metric) or 0.0 for g in groups], default=0.0)


def _compare(difference: float, spread: float) -> str:
    if spread == 0:
        return _("(a single seed: no spread to compare with)")
    return (
        _("larger than the seeds' spread (± {spread:.3f})").format(spread=spread)
        if abs(difference) > spread
        else _("within the seeds' spread (± {spread:.3f})").format(spread=spread)
    )


def _rank_correlation(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation (no ties expected among batch sizes)."""
    rx, ry = np.argsort(np.argsort(x)), np.argsort(np.argsort(y))
    if np.std(rx) == 0 or np.std(ry) == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1])


def _ok_fixed(groups: Sequence[Group], scaling: str) -> list[Group]:
    return sorted(
        (
            g
            for g in groups
            if g.batch_size is not None and g.lr_scaling == scaling and g.values("test_accuracy")
        ),
        key=_size,
    )


def _gap_sentence(row: list[Group], scaling: str) -> str:
    small, large = row[0], row[-1]
    g0, g1 = _mean(small, "gap_accuracy"), _mean(large, "gap_accuracy")
    difference, spread = g1 - g0, _spread(small, large, metric="gap_accuracy")
    rho = _rank_correlation([_size(g) for g in row], [_mean(g, "gap_accuracy") for g in row])
    steady = len(row) >= 3 and abs(rho) >= 0.8
    if difference > max(spread, 0.002):
        trend = _("steadily grows") if steady else _("grows")
    elif difference < -max(spread, 0.002):
        trend = _("steadily shrinks") if steady else _("shrinks")
    else:
        trend = _("hardly changes")
    rank = (
        _("; rank correlation with the batch size {rho:+.2f}").format(rho=rho)
        if len(row) >= 3
        else ""
    )
    return _(
        "Generalization gap (train − test accuracy, learning rate {scaling}): {g0:+.3f} at batch "
        "{small} and {g1:+.3f} at batch {large} — it {trend} with the batch size (a change of "
        "{difference:+.3f}, {compare}{rank}). In loss terms (test − train): {l0:+.3f} → {l1:+.3f}."
    ).format(
        scaling=scaling,
        g0=g0,
        small=small.batch_size,
        g1=g1,
        large=large.batch_size,
        trend=trend,
        difference=difference,
        compare=_compare(difference, spread),
        rank=rank,
        l0=small.mean("gap_loss"),
        l1=large.mean("gap_loss"),
    )


def _accuracy_sentence(row: list[Group]) -> str:
    best = max(row, key=lambda g: _mean(g, "test_accuracy"))
    small, large = row[0], row[-1]
    ends = [
        _("{accuracy} at batch {batch}").format(
            accuracy=plus_minus(g, "test_accuracy"), batch=g.batch_size
        )
        for g in (small, large)
        if g is not best
    ]
    text = _("Test accuracy is highest at batch {batch} ({accuracy}); it is {others}.").format(
        batch=best.batch_size,
        accuracy=plus_minus(best, "test_accuracy"),
        others=_(" and ").join(ends),
    )
    numbers = {
        "small": small.batch_size,
        "large": large.batch_size,
        "small_updates": small.mean("updates"),
        "large_updates": large.mean("updates"),
    }
    if small.spec["budget"] == "epochs":
        return text + _(
            " With equal epochs, batch {large} makes {large_updates:.0f} updates against "
            "{small_updates:.0f} at batch {small}: part of what large batches lose is simply fewer "
            "steps (Hoffer et al. 2017; compare --budget updates)."
        ).format(**numbers)
    return text + _(
        " With equal updates ({small_updates:.0f}), batch {large} trains {large_epochs:.0f} epochs "
        "against {small_epochs:.0f} at batch {small}."
    ).format(**numbers, large_epochs=large.mean("epochs"), small_epochs=small.mean("epochs"))


def _recovery(best: Group, fixed: Group, scaled: Group) -> str:
    """ "512: 40 % (0.848 vs 0.844)": how much of fixed's shortfall against best the scaled rate wins back."""
    lost = _mean(best, "test_accuracy") - _mean(fixed, "test_accuracy")
    a_fixed, a_scaled = _mean(fixed, "test_accuracy"), _mean(scaled, "test_accuracy")
    share = (a_scaled - a_fixed) / lost
    verdict = _("none") if share <= 0 else _("all") if share >= 1 else f"{100 * share:.0f} %"
    return f"{fixed.batch_size}: {verdict} ({a_scaled:.3f} vs {a_fixed:.3f})"


def _scaling_sentence(groups: Sequence[Group], scaling: str) -> str | None:
    """What scaling the learning rate did against a fixed rate, batch size by batch size."""
    by_none = {g.batch_size: g for g in _ok_fixed(groups, "none")}
    scaled_row = _ok_fixed(groups, scaling)
    all_scaled = [g for g in groups if g.batch_size is not None and g.lr_scaling == scaling]
    if not by_none:
        return None
    best = max(by_none.values(), key=lambda g: _mean(g, "test_accuracy"))
    parts = []
    losers = [
        g
        for g in scaled_row
        if _size(g) > _size(best)
        and g.batch_size in by_none
        and _mean(best, "test_accuracy") - _mean(by_none[g.batch_size], "test_accuracy")
        > max(_spread(best, by_none[g.batch_size], metric="test_accuracy"), 0.002)
    ]
    if losers:
        parts.append(
            _(
                "{Scaling} scaling of the learning rate wins back, of the test accuracy a fixed rate "
                "loses against batch {best} ({accuracy:.3f}), at batch {recoveries}."
            ).format(
                Scaling=scaling.capitalize(),
                best=best.batch_size,
                accuracy=best.mean("test_accuracy"),
                recoveries=", ".join(_recovery(best, by_none[g.batch_size], g) for g in losers),
            )
        )
    elif scaled_row:
        parts.append(
            _(
                "A fixed learning rate loses little above batch {best}, so {scaling} scaling has "
                "little to win back."
            ).format(best=best.batch_size, scaling=scaling)
        )
    below = [
        g
        for g in scaled_row
        if g.batch_size < g.spec["base_batch_size"] and g.batch_size in by_none
    ]
    if below:
        g = below[0]
        parts.append(
            _(
                "Below the base batch size it lowers the rate: at batch {batch}, {scaling} gives "
                "{scaled:.3f} against {fixed:.3f}."
            ).format(
                batch=g.batch_size,
                scaling=scaling,
                scaled=g.mean("test_accuracy"),
                fixed=by_none[g.batch_size].mean("test_accuracy"),
            )
        )
    n_classes = len(best.per_class_mean())
    at_chance = [g for g in scaled_row if n_classes and _mean(g, "test_accuracy") < 1.5 / n_classes]
    if at_chance:
        parts.append(
            _(
                "At batch {sizes} (learning rate {rates}) it ends near chance level: the scaled "
                "rate is past what this net tolerates."
            ).format(
                sizes=", ".join(str(g.batch_size) for g in at_chance),
                rates=", ".join(f"{g.records[0]['lr'][0]:.3g}" for g in at_chance),
            )
        )
    diverged = [g for g in all_scaled if g.n_diverged]
    if diverged:
        hint = (
            "" if diverged[0].spec["warmup_epochs"] else _("; a warm-up (--warmup-epochs) may help")
        )
        parts.append(
            _("{n} of {total} trials diverged, at batch {sizes}{hint}.").format(
                n=sum(g.n_diverged for g in diverged),
                total=sum(len(g.records) for g in all_scaled),
                sizes=", ".join(str(g.batch_size) for g in diverged),
                hint=hint,
            )
        )
    return _joined(parts) or None


def _joined(sentences: Sequence[str]) -> str:
    """Sentences one after another: a space after an English one, none after a Japanese "。"."""
    text = ""
    for sentence in sentences:
        text += sentence if not text or text.endswith("。") else " " + sentence
    return text


def _cost_sentence(row: list[Group]) -> str | None:
    timed = [g for g in row if g.values("train_seconds_per_epoch")]
    if len(timed) < 2:
        return None
    small, large = timed[0], timed[-1]
    t0, t1 = _mean(small, "train_seconds_per_epoch"), _mean(large, "train_seconds_per_epoch")
    m0, m1 = small.mean("step_peak_mb"), large.mean("step_peak_mb")
    speed = (
        _("{ratio:.1f}× faster").format(ratio=t0 / t1)
        if t1 < t0
        else _("{ratio:.1f}× slower").format(ratio=t1 / t0)
    )
    numbers = {"t0": t0, "t1": t1, "small": small.batch_size, "large": large.batch_size}
    if m0 is None or m1 is None:  # trials that ran as threads of one process are not measured
        return _(
            "Cost: one epoch of updates takes {t0:.3g} s at batch {small} and {t1:.3g} s at batch "
            "{large} ({speed}; one BLAS thread per trial)."
        ).format(**numbers, speed=speed)
    return _(
        "Cost: one epoch of updates takes {t0:.3g} s at batch {small} and {t1:.3g} s at batch "
        "{large} ({speed}; one BLAS thread per trial), while a training step's peak memory grows "
        "from {m0:.3g} MB to {m1:.3g} MB ({memory_ratio:.0f}× for a {batch_ratio}× larger batch)."
    ).format(
        **numbers,
        speed=speed,
        m0=m0,
        m1=m1,
        memory_ratio=m1 / m0,
        batch_ratio=_size(large) // _size(small),
    )


def _target_sentence(groups: Sequence[Group]) -> str | None:
    target = groups[0].spec.get("target_accuracy") if groups else None
    if not target:
        return None
    reached = [g for g in groups if len(g.values("epochs_to_target")) == len(g.records)]
    never = [g.label for g in groups if not g.values("epochs_to_target")]
    if not reached:
        return _("No setting reached the target test accuracy {target:g} in every seed.").format(
            target=target
        )
    fewest_epochs = min(reached, key=lambda g: _mean(g, "epochs_to_target"))
    fewest_seconds = min(reached, key=lambda g: _mean(g, "seconds_to_target"))
    numbers = {
        "target": target,
        "by_epochs": fewest_epochs.label,
        "epochs": fewest_epochs.mean("epochs_to_target"),
        "by_seconds": fewest_seconds.label,
        "seconds": fewest_seconds.mean("seconds_to_target"),
    }
    if never:
        return _(
            "Target test accuracy {target:g}: reached in the fewest epochs by {by_epochs} "
            "({epochs:.1f}) and in the least time by {by_seconds} ({seconds:.2f} s); never "
            "reached by {never}."
        ).format(**numbers, never=", ".join(never))
    return _(
        "Target test accuracy {target:g}: reached in the fewest epochs by {by_epochs} "
        "({epochs:.1f}) and in the least time by {by_seconds} ({seconds:.2f} s)."
    ).format(**numbers)


def _schedule_sentences(groups: Sequence[Group]) -> list[str]:
    lines = []
    for g in groups:
        if g.batch_size is not None or not g.values("test_accuracy"):
            continue
        fixed = {f.batch_size: f for f in _ok_fixed(groups, g.lr_scaling)}
        numbers = {
            "label": g.label,
            "epochs": sum(e for _b, e in g.spec["phases"]),
            "accuracy": plus_minus(g, "test_accuracy"),
            "updates": g.mean("updates"),
            "gap": g.mean("gap_accuracy"),
        }
        comparisons = [
            _(
                "fixed batch {batch}: {accuracy:.3f} after {updates:.0f} updates in {epochs:.0f} "
                "epochs"
            ).format(
                batch=b,
                accuracy=fixed[b].mean("test_accuracy"),
                updates=fixed[b].mean("updates"),
                epochs=fixed[b].mean("epochs"),
            )
            for b in dict.fromkeys((g.batch_sizes[0], g.batch_sizes[-1]))
            if b in fixed
        ]
        if comparisons:
            text = _(
                "Growing the batch ({label}, {epochs} epochs) ends at test accuracy {accuracy} "
                "after {updates:.0f} updates, gap {gap:+.3f}; {comparisons}."
            ).format(**numbers, comparisons="; ".join(comparisons))
        else:
            text = _(
                "Growing the batch ({label}, {epochs} epochs) ends at test accuracy {accuracy} "
                "after {updates:.0f} updates, gap {gap:+.3f}."
            ).format(**numbers)
        lines.append(text)
    return lines


def batch_size_summary(groups: Sequence[Group]) -> list[str]:
    """Sentences on the batch-size sweep, from its numbers: the gap's trend, accuracy, learning-rate
    scaling, cost, time to the target accuracy, schedules."""
    lines: list[str | None] = []
    scalings = list(dict.fromkeys(g.lr_scaling for g in groups))
    reference = "none" if "none" in scalings else scalings[0]
    row = _ok_fixed(groups, reference)
    if len(row) >= 2:
        lines += [_gap_sentence(row, reference), _accuracy_sentence(row)]
    for scaling in scalings:
        if scaling != "none" and "none" in scalings:
            lines.append(_scaling_sentence(groups, scaling))
    lines += _schedule_sentences(groups)
    lines += [_cost_sentence(row) if row else None, _target_sentence(groups)]
    return [line for line in lines if line]


def _order_sentences(by_label: dict[str, Group], name: Callable[[int], str]) -> list[str]:
    """What the order of the training set did to sequential, against shuffle: why it hurts when the
    data are sorted by label, and what was measured (overall and on the last and worst classes)."""
    if "sequential" not in by_label or "shuffle" not in by_label:
        return []
    sequential, shuffle = by_label["sequential"], by_label["shuffle"]
    if sequential.spec.get("order", "stored") != "by-label":
        return [
            _(
                "The training set keeps its stored order (--order stored), so what sequential "
                "order does depends on how mixed that order is (digits and MNIST are stored "
                "mixed); --order by-label shows what it does to data stored class by class."
            )
        ]
    a_sequential, a_shuffle = _mean(sequential, "test_accuracy"), _mean(shuffle, "test_accuracy")
    difference = a_sequential - a_shuffle
    spread = _spread(sequential, shuffle, metric="test_accuracy")
    numbers = {
        "sequential": plus_minus(sequential, "test_accuracy"),
        "shuffle": plus_minus(shuffle, "test_accuracy"),
        "difference": difference,
        "compare": _compare(difference, spread),
    }
    if difference >= -max(spread, 0.01):
        return [
            _(
                "The training set is sorted by label, yet sequential order does not fall clearly "
                "behind shuffle here: {sequential} against {shuffle}, a difference of "
                "{difference:+.3f}, {compare}."
            ).format(**numbers)
        ]
    lines = [
        _(
            "The training set is sorted by label, as data stored class by class is, so sequential "
            "order hands out mini-batches of one class each: the gradient of every update points "
            "towards that one class, and by the end of each epoch the net has learned the last "
            "classes and forgotten the earlier ones. Shuffling mixes the classes in every "
            "mini-batch. Measured: sequential {sequential} against shuffle {shuffle}, a "
            "difference of {difference:+.3f}, {compare}."
        ).format(**numbers)
    ]
    counts = sequential.records[0].get("class_counts") or []
    present = [c for c, n in enumerate(counts) if n]
    seq_classes, shuffle_classes = sequential.per_class_mean(), shuffle.per_class_mean()
    if present and seq_classes and shuffle_classes and None not in seq_classes + shuffle_classes:
        seq_values = cast("list[float]", seq_classes)  # none is None: checked above
        last = present[-1]
        worst = int(np.argmin(seq_values))
        if worst != last:
            lines.append(
                _(
                    "On the class that ends every epoch, {last}, sequential scores {seq_last:.3f} "
                    "(shuffle {shuffle_last:.3f}); on its worst class, {worst}, it scores "
                    "{seq_worst:.3f} (shuffle {shuffle_worst:.3f})."
                ).format(
                    last=name(last),
                    seq_last=seq_values[last],
                    shuffle_last=shuffle_classes[last],
                    worst=name(worst),
                    seq_worst=seq_values[worst],
                    shuffle_worst=shuffle_classes[worst],
                )
            )
    return lines


def sampling_summary(
    groups: Sequence[Group], class_names: Sequence[str] | None = None
) -> list[str]:
    """Sentences on the sampling sweep, from its numbers: ranking, what the order of the training
    set did to sequential against shuffle (why sequential hurts on data sorted by label), with vs
    without replacement, the rare classes (imbalanced runs), rare-first."""
    ok = [g for g in groups if g.values("test_accuracy")]
    if not ok:
        return []
    by_label = {g.label: g for g in ok}
    ranked = sorted(ok, key=lambda g: -_mean(g, "test_accuracy"))
    ranking = ", ".join(f"{g.label} {plus_minus(g, 'test_accuracy')}" for g in ranked)
    lines = [_("Test accuracy, best first: {ranking}.").format(ranking=ranking)]
    name = (lambda c: class_names[c]) if class_names else str
    lines += _order_sentences(by_label, name)
    if "replacement" in by_label and "shuffle" in by_label:
        a, b = by_label["replacement"], by_label["shuffle"]
        difference = _mean(a, "test_accuracy") - _mean(b, "test_accuracy")
        lines.append(
            _(
                "With replacement (復元抽出) against without (非復元抽出, shuffle every epoch): "
                "{with_:.3f} vs {without:.3f}, a difference of {difference:+.3f}, {compare}."
            ).format(
                with_=a.mean("test_accuracy"),
                without=b.mean("test_accuracy"),
                difference=difference,
                compare=_compare(difference, _spread(a, b, metric="test_accuracy")),
            )
        )
    rare = rare_classes(ok[0])
    if rare:
        keep = ok[0].spec["imbalance_keep"]
        rare_means = {g.label: class_subset_mean(g, rare) for g in ok}
        known = {k: v for k, v in rare_means.items() if v is not None}
        if known:
            order = sorted(known, key=lambda k: -known[k])
            lines.append(
                _(
                    "On the thinned-out classes ({classes}: {keep:.0%} of their training samples "
                    "kept) test accuracy is {accuracies}."
                ).format(
                    classes=", ".join(name(c) for c in rare),
                    keep=keep,
                    accuracies=", ".join(f"{k} {known[k]:.3f}" for k in order),
                )
            )
            if "shuffle" in known and order[0] != "shuffle":
                best = by_label[order[0]]
                overall = _mean(best, "test_accuracy") - _mean(by_label["shuffle"], "test_accuracy")
                lines.append(
                    _(
                        "{sampler} lifts them by {lift:+.3f} over shuffle, changing overall test "
                        "accuracy by {overall:+.3f}."
                    ).format(
                        sampler=order[0], lift=known[order[0]] - known["shuffle"], overall=overall
                    )
                )
    elif "shuffle" in by_label:
        means = by_label["shuffle"].per_class_mean()
        if means and all(m is not None for m in means):
            c = int(np.argmin(cast("list[float]", means)))  # none is None: checked above
            lines.append(
                _("The hardest class with shuffling is {name} ({accuracy:.3f}).").format(
                    name=name(c), accuracy=means[c]
                )
            )
    if "rare-first" in by_label and "shuffle" in by_label:
        drop = _mean(by_label["shuffle"], "test_accuracy") - _mean(
            by_label["rare-first"], "test_accuracy"
        )
        if drop > max(
            0.05, _spread(by_label["shuffle"], by_label["rare-first"], metric="test_accuracy")
        ):
            lines.append(
                _(
                    "rare-first is {drop:.3f} below shuffle: it hands the labels over one after "
                    "another within each epoch, rarest first, so the batches that end every epoch "
                    "hold only the most frequent labels and overwrite what the earlier ones taught "
                    "(see the per-class picture)."
                ).format(drop=drop)
            )
    return lines
