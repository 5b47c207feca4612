"""Fine-tune only the regression head of a trained tracker network, on cached features.

Why: the shipped network's box sizes barely follow the object's scale (benchmarks/scale_response.py),
and even on its own training pairs the box at the centre cell misses the true size by ~15 %. The
regression head decides the box and sees nothing but the fused template/search feature, which the
classification head shares. With everything up to that feature frozen (backbone, neck, fusion,
BatchNorm statistics), and the classification head too, a training pair's fused feature never
changes: it is computed once and the head trains on it for many epochs. On a 2-core CPU an epoch
then runs at ~160 pairs/s, where end-to-end training manages 3-9 pairs/s because the data loader
and the backbone cost it every time. The classification head, and hence which cell the tracker
picks, stays exactly as it was.

Two phases, both resumable (``--work`` keeps the feature shards and a checkpoint per epoch):

1. **features**: ``--pairs`` positive training pairs of the mix in ``--config`` (the training
   config's ``data`` section, with ``negative_prob`` 0 and the search crop's scale jitter set by
   ``--search-scale``), drawn in ``--jobs`` processes and saved as fused features (float16) with
   the LightTrack regression targets, in shards of ``--shard-size`` pairs. The first shard of the
   last job is held out to score the head.
2. **head**: AdamW with a one-cycle LR schedule on the recipe's IoU loss (averaged over the cells
   inside the box) plus ``--size-loss`` times the mean |log size error| at the cells around the
   centre (where the tracker reads the box), BatchNorm statistics frozen. The epoch with the lowest
   held-out loss is kept and written as a tracker checkpoint that carries the input's preset.

    python experiments/tools/finetune_reg_head.py --config configs/gpu_mobile.yaml --weights lighttrack-mobile \\
        --work runs/reg_head --pairs 32768 --jobs 2 --epochs 6 --out runs/reg_head/final.pt
"""

from __future__ import annotations

import argparse
import copy
import json
import multiprocessing as mp
import sys
import time
from pathlib import Path

import numpy as np

BATCH = 32  # pairs per feature batch


def shard_path(work: Path, job: int, index: int) -> Path:
    return work / "features" / f"job{job}_{index:04d}.npz"


def training_mix(config: str, search_scale: float):
    """The config's training data, positives only, with the asked scale jitter."""
    import yaml

    from lighttrack.train.config import from_dict

    raw = yaml.safe_load(Path(config).read_text())
    raw["data"]["negative_prob"] = 0.0
    raw["data"].setdefault("augment", {})["search_scale"] = search_scale
    return from_dict(raw)


def fused_features(net, items):
    """The frozen part of the network: backbone, neck BatchNorm and fusion (``TrackerNet.fused``)."""
    import torch

    from lighttrack.imaging import normalize_uint8

    z = normalize_uint8(torch.stack([it["template"] for it in items]))
    x = normalize_uint8(torch.stack([it["search"] for it in items]))
    return net.fused(net.template(z), x)


def feature_job(args: argparse.Namespace, job: int, shards: int) -> None:
    """Write this job's shards (skipping those already there)."""
    import torch

    from lighttrack.io import atomic_write
    from lighttrack.models import load_weights
    from lighttrack.train.data import build_pair_dataset

    torch.set_num_threads(1)
    todo = [k for k in range(shards) if not shard_path(args.work, job, k).exists()]
    if not todo:
        return
    epoch = args.seed + 101 * job  # a sampling epoch of its own per job: different pairs
    dataset = build_pair_dataset(training_mix(args.config, args.search_scale), seed=epoch)
    dataset.set_epoch(epoch)
    order = np.random.default_rng(epoch).permutation(len(dataset))
    net, _ = load_weights(args.weights, args.arch)
    net.eval()
    start = time.time()
    for k in todo:
        picks = [int(order[(k * args.shard_size + i) % len(order)]) for i in range(args.shard_size)]
        parts: dict[str, list] = {"fused": [], "target": [], "weight": [], "box": []}
        with torch.no_grad():
            for b in range(0, args.shard_size, BATCH):
                items = [dataset[i] for i in picks[b:b + BATCH]]
                parts["fused"].append(fused_features(net, items).half().numpy())
                parts["target"].append(torch.stack([it["reg_target"] for it in items]).half().numpy())
                parts["weight"].append(torch.stack([it["reg_weight"] for it in items]).bool().numpy())
                parts["box"].append(torch.stack([it["box"] for it in items]).numpy())
        arrays = {name: np.concatenate(v) for name, v in parts.items()}
        atomic_write(shard_path(args.work, job, k), lambda f: np.savez(f, **arrays))
        print(f"features: job {job} shard {k + 1}/{shards} ({time.time() - start:.0f} s)", flush=True)


def load_shards(paths: list[Path]) -> dict[str, np.ndarray]:
    loaded = [np.load(p) for p in paths]
    data = {name: np.concatenate([d[name] for d in loaded]) for name in ("fused", "target", "weight", "box")}
    data["centre"] = centre_cells(data["box"], data["weight"])
    return data


def search_size_of(weight: np.ndarray) -> int:
    """The training search crop's side, from the label map (one cell per stride)."""
    from lighttrack.geometry import STRIDE

    return weight.shape[-1] * STRIDE


def centre_cells(boxes: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """(N, S, S) bool: each pair's positive cells (the classification label's diamond around the
    centre cell, where the tracker's choice falls), where the grid point lies inside the box."""
    from lighttrack.data.targets import make_targets

    search = search_size_of(weight)
    return np.stack([make_targets(box, search)["cls_label"] > 0 for box in boxes]) & weight.astype(bool)


def log_size_loss(pred, target, mask):
    """Mean |log predicted / true| of width and height over the masked cells: a direct push on
    the box size where the tracker reads it (the IoU loss weighs size and centre together)."""
    import torch

    m = mask.float()
    pw, ph = (pred[:, 0] + pred[:, 2]).clamp(min=1.0), (pred[:, 1] + pred[:, 3]).clamp(min=1.0)
    tw, th = target[:, 0] + target[:, 2], target[:, 1] + target[:, 3]
    err = (torch.log(pw / tw).abs() + torch.log(ph / th).abs()) * m
    return err.sum() / m.sum().clamp(min=1.0)


def centre_size_fit(head, data: dict[str, np.ndarray]) -> dict[str, float]:
    """Held-out IoU loss, and how the box at the centre cell follows the true size: slope of
    log predicted against log true size (1 = measures it) and mean |log error|."""
    import torch

    from lighttrack.data.targets import centre_cell
    from lighttrack.train.losses import iou_loss

    head.eval()
    total, truth, pred, search = 0.0, [], [], search_size_of(data["weight"])
    with torch.no_grad():
        for s in range(0, len(data["fused"]), 256):
            out = head(torch.from_numpy(data["fused"][s:s + 256]).float())
            target = torch.from_numpy(data["target"][s:s + 256]).float()
            weight = torch.from_numpy(data["weight"][s:s + 256]).float()
            total += float(iou_loss(out, target, weight)) * len(out)  # the recipe's loss alone
            for box, ltrb in zip(data["box"][s:s + 256], out.numpy()):
                r, c = (min(max(v, 0), ltrb.shape[-1] - 1) for v in centre_cell(box, search))
                truth += [box[2] - box[0], box[3] - box[1]]
                pred += [ltrb[0, r, c] + ltrb[2, r, c], ltrb[1, r, c] + ltrb[3, r, c]]
    t, p = np.log(truth), np.log(np.maximum(pred, 1e-3))
    return {"loss": round(total / len(data["fused"]), 4), "size_slope": round(float(np.polyfit(t, p, 1)[0]), 3),
            "abs_log_size_error": round(float(np.mean(np.abs(p - t))), 4)}


def train_head(args: argparse.Namespace, shards: int) -> dict:
    import torch

    from lighttrack.io import atomic_torch_save
    from lighttrack.nn.checkpoint import save_trackernet
    from lighttrack.models import load_weights
    from lighttrack.train.losses import iou_loss

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    held_out = [shard_path(args.work, args.jobs - 1, 0)]
    train_paths = [shard_path(args.work, j, k) for j in range(args.jobs) for k in range(shards)]
    train_paths = [p for p in train_paths if p not in held_out]
    train, val = load_shards(train_paths), load_shards(held_out)
    net, data = load_weights(args.weights, args.arch)
    net.eval()
    head = net.reg_head
    params = list(head.parameters())
    n = len(train["fused"])
    per_epoch = max(1, n // args.batch_size)
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, args.lr, total_steps=args.epochs * per_epoch, pct_start=0.05)
    state_path = args.work / "head_state.pt"
    history, best, first = [], None, 0
    if state_path.exists():
        state = torch.load(state_path, weights_only=False)
        head.load_state_dict(state["head"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        history, best, first = state["history"], state["best"], state["epoch"] + 1
        print(f"head: resumed after epoch {state['epoch'] + 1}", flush=True)
    else:
        history.append({"epoch": 0, **centre_size_fit(head, val)})
        print(f"head: before {history[-1]}", flush=True)
    start = time.time()
    for epoch in range(first, args.epochs):
        head.train()
        for m in head.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.eval()  # the statistics the tracker runs with stay frozen
        order = np.random.default_rng(epoch).permutation(n)
        running = 0.0
        for step in range(per_epoch):
            idx = np.sort(order[step * args.batch_size:(step + 1) * args.batch_size])
            pred = head(torch.from_numpy(train["fused"][idx]).float())
            target = torch.from_numpy(train["target"][idx]).float()
            loss = iou_loss(pred, target, torch.from_numpy(train["weight"][idx]).float())
            if args.size_loss > 0:
                loss = loss + args.size_loss * log_size_loss(pred, target, torch.from_numpy(train["centre"][idx]))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 10.0)
            opt.step()
            sched.step()
            running += float(loss.detach())
        history.append({"epoch": epoch + 1, "train_loss": round(running / per_epoch, 4), **centre_size_fit(head, val)})
        print(f"head: {history[-1]} ({time.time() - start:.0f} s)", flush=True)
        if best is None or history[-1]["loss"] < best["loss"]:
            best = {"loss": history[-1]["loss"], "epoch": epoch + 1, "head": copy.deepcopy(head.state_dict())}
        atomic_torch_save(state_path, {"head": head.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                                       "history": history, "best": best, "epoch": epoch})
    head.load_state_dict(best["head"])
    record = {"weights": str(args.weights), "config": args.config, "pairs": n, "held_out_pairs": len(val["fused"]),
              "search_scale": args.search_scale, "size_loss": args.size_loss, "epochs": args.epochs, "lr": args.lr, "batch_size": args.batch_size,
              "seed": args.seed, "kept_epoch": best["epoch"], "history": history}
    extra = {k: v for k, v in data.items() if k not in ("format", "arch", "template_size", "state_dict", "storage")}
    extra["reg_head_finetune"] = record
    save_trackernet(net, args.out, **extra)
    return record


# What decides the shards and the head's schedule: a rerun must give the same to resume.
SETTINGS = ("config", "weights", "arch", "pairs", "shard_size", "jobs", "search_scale", "seed",
            "size_loss", "epochs", "lr", "batch_size")


def check_settings(args: argparse.Namespace) -> None:
    """Record the settings in a fresh ``--work``; refuse to resume one made with others."""
    from lighttrack.io import atomic_write_json

    path = args.work / "settings.json"
    mine = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items() if k in SETTINGS}
    if path.exists():
        theirs = json.loads(path.read_text())
        changed = [f"{k}: {theirs.get(k)!r} there, {mine[k]!r} now" for k in SETTINGS if theirs.get(k) != mine[k]]
        if changed:
            raise ValueError(f"--work {args.work} holds a run with other settings ({'; '.join(changed)}): "
                             "give the same settings to resume it, or another --work")
        return
    (args.work / "features").mkdir(parents=True, exist_ok=True)
    atomic_write_json(path, mine)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--config", required=True, help="training config whose data section gives the pairs")
    p.add_argument("--weights", required=True, help="checkpoint or shipped name to start from")
    p.add_argument("--arch", default="lighttrack-mobile", help="architecture of a checkpoint without one recorded")
    p.add_argument("--work", type=Path, required=True, help="feature shards and head checkpoints (a rerun resumes)")
    p.add_argument("--out", type=Path, required=True, help="the fine-tuned tracker checkpoint")
    p.add_argument("--pairs", type=int, default=32768, help="training pairs, rounded up to whole shards per job")
    p.add_argument("--shard-size", type=int, default=1024, help="pairs per feature shard")
    p.add_argument("--jobs", type=int, default=2, help="feature processes (one thread each)")
    p.add_argument("--search-scale", type=float, default=0.3, help="per-axis scale jitter of the search crop")
    p.add_argument("--size-loss", type=float, default=1.0, help="weight of the log-size loss at the centre cells (0: IoU loss only)")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--lr", type=float, default=3e-4, help="peak AdamW learning rate")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--threads", type=int, default=2, help="torch threads for the head phase")
    p.add_argument("--seed", type=int, default=101, help="job j draws the pairs of sampling epoch SEED + 101 j")
    args = p.parse_args(argv)

    if not Path(args.config).is_file():
        p.error(f"--config {args.config}: no such file")
    from lighttrack.errors import LightTrackError
    from lighttrack.models import weights_file

    try:
        weights_file(args.weights)
    except LightTrackError as err:
        p.error(f"--weights {args.weights}: {err}")
    shards = max(1, -(-args.pairs // (args.shard_size * args.jobs)))
    if shards * args.jobs < 2:
        p.error("--pairs must fill at least two shards (one is held out)")
    try:
        check_settings(args)
    except ValueError as err:
        p.error(str(err))
    workers = [mp.get_context("spawn").Process(target=feature_job, args=(args, j, shards)) for j in range(args.jobs)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if any(w.exitcode for w in workers):
        print("a feature job failed; rerun the same command to resume", file=sys.stderr)
        return 1
    record = train_head(args, shards)
    print(json.dumps({k: v for k, v in record.items() if k != "history"} | {"last": record["history"][-1]}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
