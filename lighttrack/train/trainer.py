"""The trainer: one loop for a fixed TrackerNet, the tracking SuperNet and the backbone supernet.

The loop knows nothing of the kind of model it trains: the actor of ``model.kind``
(``lighttrack.train.actors``) builds the model and its data set, says which paths a step runs,
runs their forward passes and losses, and says what the checkpoints and products hold.

What a step does (spec lighttrack.md §7, nas.md §1):

1. The learning rate of the step comes from the warm-up + log-decay schedule (a pure function of
   the step); the backbone group gets ``backbone_lr_mult`` x that rate once it is unfrozen, and
   is frozen (no gradients, BatchNorm in eval mode) for the first ``freeze_backbone_epochs``.
2. The paths of the step come from the sampling strategy (supernet) as a pure function of
   ``(seed, step)``: the same on every rank and after a resume.
3. Forward / backward every path (gradients accumulated, averaged over the paths); with the
   sandwich rule the largest path goes first and its detached outputs are the targets of the
   in-place distillation terms of the others.
4. Gradients are averaged across ranks (DDP for a TrackerNet, a flat all-reduce of the path's
   gradients for the supernets), clipped, and SGD steps — unless the loss was non-finite or above
   ``max_loss`` on any rank, in which case every rank skips the update and counts it.
5. Every ``checkpoint.every_steps`` steps (and at the end) rank 0 writes ``last.pt`` atomically.
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
import shutil
import sys
import time
import warnings
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from lighttrack.data.pairs import worker_init
from lighttrack.errors import CheckpointError, ConfigError, notice
from lighttrack.io import atomic_write, atomic_write_text
from lighttrack.nn.batchnorm import calibration_batches, fixed_batchnorm_names, hold_fixed, mark_fixed_by_name, recalibrate
from lighttrack.nn.checkpoint import load_state_dict_strict
from lighttrack.train import checkpoint as ckpt
from lighttrack.train import distributed as D
from lighttrack.train.actors import Actor, make_actor
from lighttrack.train.config import TrainConfig, resume_conflicts
from lighttrack.train.distill import check_teacher
from lighttrack.train.schedule import WarmupLogSchedule


class EpochBatches(torch.utils.data.Sampler):
    """Index batches of one epoch for one rank, starting at batch ``start``.

    Step k of an epoch covers the global indices [k*B*W, (k+1)*B*W) (modulo the data set length);
    rank r takes the r-th slice of B. Pair items are already random draws, so no shuffling is
    needed, and the position inside an epoch is just the step number.
    """

    def __init__(self, length: int, batch: int, steps: int, start: int, rank: int, world: int):
        self.length, self.batch, self.steps, self.start, self.rank, self.world = length, batch, steps, start, rank, world

    def __len__(self) -> int:
        return max(self.steps - self.start, 0)

    def __iter__(self):
        g = self.batch * self.world
        for k in range(self.start, self.steps):
            base = k * g + self.rank * self.batch
            yield [(base + i) % self.length for i in range(self.batch)]


class Trainer:
    def __init__(self, cfg: TrainConfig, dataset: Any = None, resume: str | os.PathLike | None = None):
        self.cfg = cfg
        self.info = D.setup(cfg.device)
        self.actor: Actor = make_actor(cfg, self.info)
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        self.device = self.info.device
        self.out_dir = cfg.out_dir
        self.amp = self._amp_enabled()

        # A resume checkpoint is read and checked first: a wrong one fails before any work.
        self.resume_path = self._resolve_resume(resume)
        resume_data = self._check_resume(self.resume_path) if self.resume_path else None
        # The teacher too (its files, its grid against ours), before data or model; before seeding,
        # because building a TrackerNet teacher draws initial weights from the global RNG.
        teacher = check_teacher(cfg) if cfg.distill.teacher else None

        random.seed(cfg.seed)
        np.random.seed(cfg.seed % 2**32)
        torch.manual_seed(cfg.seed)

        self.dataset = dataset if dataset is not None else self.actor.build_dataset()
        self.model = self.actor.build_model(self.dataset, resume_data is None, self.device)
        self.init_report: dict[str, dict[str, int]] | None = self.actor.init_report  # a supernet that inherited a tracker
        self.backbone = self.model.backbone
        # A teacher (config section distill) lives in its own module; None without distill.teacher.
        # Its terms are added by the actor's loss; its adapter is trained and saved here.
        self.distiller = self.actor.build_distiller(self.device, teacher)

        world_batch = cfg.train.batch_size * self.info.world_size
        if cfg.train.steps_per_epoch:
            self.steps_per_epoch = cfg.train.steps_per_epoch
        else:
            self.steps_per_epoch = max(1, len(self.dataset) // world_batch)
        self.total_steps = cfg.train.epochs * self.steps_per_epoch
        if cfg.train.max_steps is not None:
            self.total_steps = min(self.total_steps, cfg.train.max_steps)
        self.plan: dict[str, Any] | None = None  # set when a time budget shrinks the schedule
        self.schedule = self._make_schedule(1.0)
        self.optimizer = self._build_optimizer()
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.amp)
        self.step = 0
        self.counters = {"skipped_steps": 0, "bad_samples": 0, "pairs": 0}
        self._frozen: bool | None = None
        self._ddp: nn.Module | None = None
        self._writer = None
        if resume_data is not None:
            self._load_resume(resume_data)

    @property
    def kind(self) -> str:
        return self.actor.kind

    # ------------------------------------------------------------------ construction
    def _make_schedule(self, scale: float) -> WarmupLogSchedule:
        """The LR schedule, with every epoch count (warm-up, decay, backbone freeze) times ``scale``."""
        t = self.cfg.train
        self.freeze_epochs = self.actor.freeze_epochs() * scale
        return WarmupLogSchedule(t.lr, t.lr_end, t.warmup_lr, t.warmup_epochs * scale, t.schedule_epochs * scale, t.lr_per_step)

    def _apply_plan(self, plan: dict[str, Any]) -> None:
        self.plan = {"total_steps": int(plan["total_steps"]), "scale": float(plan["scale"])}
        self.total_steps = self.plan["total_steps"]
        self.schedule = self._make_schedule(self.plan["scale"])

    def _amp_enabled(self) -> bool:
        mode = self.cfg.train.amp
        if mode == "on" and self.device.type != "cuda":
            raise ConfigError("config key 'train.amp' is 'on' but mixed precision needs a CUDA device")
        return self.device.type == "cuda" and mode in ("on", "auto")

    def _resolve_resume(self, resume) -> Path | None:
        if resume is None:
            return None
        if str(resume) == "auto":
            # Like `lighttrack search --resume`: nothing saved yet (a run killed before its first
            # checkpoint, or a script that always passes --resume) starts the run; a finished run
            # without last.pt is refused rather than overwritten.
            found = ckpt.find_resume(self.out_dir)
            if found is None:
                if (self.out_dir / "final.pt").is_file():
                    raise CheckpointError(f"--resume: {str(self.out_dir)!r} holds a finished run (final.pt) and no "
                                          "last.pt to continue from; use another output_dir to train again")
                if self.info.is_main:
                    notice(f"--resume: nothing saved in {str(self.out_dir)!r} yet (no last.pt); starting the run")
                return None
            return found
        return Path(resume)

    def _check_resume(self, path: Path) -> dict[str, Any]:
        data = ckpt.read_training_checkpoint(path)
        ident = self.actor.identity()
        if data.get("kind") != ident["kind"]:
            raise CheckpointError(f"cannot resume from {str(path)!r}: it trains a {data.get('kind')}, this config a {ident['kind']}")
        if ident.get("arch") and data.get("arch") != ident["arch"]:
            raise CheckpointError(f"cannot resume from {str(path)!r}: it trains architecture {data.get('arch')}, this config {ident['arch']}")
        conflicts = resume_conflicts(data.get("config", {}), self.cfg.to_dict())
        if conflicts:
            shown = ", ".join(conflicts[:5]) + (" …" if len(conflicts) > 5 else "")
            raise CheckpointError(f"cannot resume from {str(path)!r}: it was made with another config (differs in {shown})")
        if data.get("world_size", 1) != self.info.world_size:
            warnings.warn(
                f"resuming a run made with {data.get('world_size')} processes on {self.info.world_size}: the data order "
                "and the results will differ from an uninterrupted run",
                RuntimeWarning,
            )
        return data

    def _build_optimizer(self) -> torch.optim.Optimizer:
        cfg = self.cfg.train
        backbone_ids = {id(p) for p in self.backbone.parameters()}
        groups: dict[tuple[bool, bool], list] = {}
        for name, p in self.model.named_parameters():
            is_bb = id(p) in backbone_ids
            no_decay = cfg.no_decay_bn_bias and p.dim() <= 1
            groups.setdefault((is_bb, no_decay), []).append(p)
        param_groups = []
        for (is_bb, no_decay), params in sorted(groups.items()):
            param_groups.append(
                {
                    "params": params,
                    "backbone": is_bb,
                    "weight_decay": 0.0 if no_decay else cfg.weight_decay,
                    "lr": cfg.lr,
                }
            )
        if self.distiller is not None:  # the adapter trains at the head's rate; not part of the network
            param_groups.append({"params": list(self.distiller.parameters()), "backbone": False, "weight_decay": cfg.weight_decay,
                                 "lr": cfg.lr, "lr_mult": self.distiller.adapter_lr_mult})
        return torch.optim.SGD(param_groups, lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.nesterov, weight_decay=cfg.weight_decay)

    # ------------------------------------------------------------------ resume
    def _load_resume(self, data: dict[str, Any]) -> None:
        load_state_dict_strict(self.model, data["model"])
        mark_fixed_by_name(self.model, data.get("fixed_batchnorms", []), str(self.resume_path))
        try:
            self.optimizer.load_state_dict(data["optimizer"])
        except (ValueError, KeyError) as err:
            raise CheckpointError(f"cannot resume: optimizer state does not fit this model ({err})") from None
        if data.get("scaler") and self.amp:
            self.scaler.load_state_dict(data["scaler"])
        if self.distiller is not None:
            self.distiller.load_checkpoint_state(data.get("distill"), str(self.resume_path))
        self.step = int(data["step"])
        if data.get("plan"):
            self._apply_plan(data["plan"])  # the schedule a time budget planned stays the schedule
        self.counters.update({k: int(v) for k, v in data.get("counters", {}).items()})
        if data.get("world_size", 1) == self.info.world_size:
            ckpt.set_rng_state(data["rng"])

    def _payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "kind": self.kind,
            "config": self.cfg.to_dict(),
            "step": self.step,
            "epoch": self.step // self.steps_per_epoch,
            "steps_per_epoch": self.steps_per_epoch,
            "world_size": self.info.world_size,
            "template_size": self.cfg.data.template_size,
            "model": self.model.state_dict(),
            "fixed_batchnorms": fixed_batchnorm_names(self.model),
            "optimizer": self.optimizer.state_dict(),
            "scaler": self.scaler.state_dict() if self.amp else None,
            "counters": dict(self.counters),
            "plan": self.plan,
        }
        if self.distiller is not None:
            payload["distill"] = self.distiller.checkpoint_state()  # the adapter: in last.pt, never in final.pt
        payload.update(self.actor.checkpoint_extras())
        return payload

    def save_checkpoint(self) -> Path | None:
        if not self.info.is_main:
            D.barrier(self.info)
            return None
        path = ckpt.save_training_checkpoint(self.out_dir / "last.pt", self._payload())
        keep = self.cfg.checkpoint.keep
        if keep > 0:
            step_path = self.out_dir / f"step_{self.step:08d}.pt"
            with open(path, "rb") as src:
                atomic_write(step_path, lambda f: shutil.copyfileobj(src, f))
            old = sorted(self.out_dir.glob("step_*.pt"))[:-keep]
            for p in old:
                p.unlink(missing_ok=True)
        D.barrier(self.info)
        return path

    # ------------------------------------------------------------------ per-step state
    def _apply_freeze(self, frozen: bool) -> None:
        if frozen == self._frozen:
            return
        self._frozen = frozen
        for p in self.backbone.parameters():
            p.requires_grad_(not frozen)
        self._ddp = self.actor.wrap(self.device)  # a DDP wrapper registers the trainable parameters: rebuilt

    def _set_modes(self) -> None:
        self.model.train()
        if self._frozen:
            self.backbone.eval()
        if self.cfg.train.bn == "frozen":
            for m in self.model.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.eval()
        hold_fixed(self.model)  # BNs with fixed statistics (model.fix_inherited_bn) compute as in tracking

    def recalibrate_bn(self) -> None:
        """Recompute every BN statistic of the tracker on the first training pairs of epoch 0
        (a cumulative average, not an EMA), before step 0 of a run."""
        n, size = self.cfg.train.bn_recalibrate, self.cfg.train.batch_size
        batches = calibration_batches(self.dataset, n, size)  # the same pairs in every process and rerun
        with torch.no_grad():
            recalibrate(self.model, batches, momentum=None, device=self.device)
        if self.info.is_main:
            print(f"train.bn_recalibrate: BatchNorm statistics recomputed on {n * self.cfg.train.batch_size} pairs",
                  file=sys.stderr, flush=True)

    def lr_now(self) -> float:
        return self.schedule.lr_at_step(self.step, self.steps_per_epoch)

    def _set_lr(self) -> tuple[float, float]:
        lr = self.lr_now()
        bb_lr = self.actor.backbone_lr(lr, bool(self._frozen))
        for g in self.optimizer.param_groups:
            g["lr"] = (bb_lr if g["backbone"] else lr) * g.get("lr_mult", 1.0)
        return lr, bb_lr

    # ------------------------------------------------------------------ a step
    def train_step(self, batch: dict) -> dict[str, float]:
        """One optimizer step on one (per-rank) batch; returns the logged scalars."""
        cfg = self.cfg.train
        epoch_f = self.step / self.steps_per_epoch
        self._apply_freeze(epoch_f < self.freeze_epochs)
        self._set_modes()
        lr, bb_lr = self._set_lr()
        dev = self.device
        batch = {k: (v.to(dev, non_blocking=True) if isinstance(v, torch.Tensor) else v) for k, v in batch.items()}
        autocast = torch.autocast("cuda", dtype=torch.float16) if self.amp else nullcontext()
        step_paths = self.actor.paths(self.step)
        n = len(step_paths.paths)
        self.optimizer.zero_grad(set_to_none=True)
        sums: dict[str, float] = {}
        ok = True
        inputs = self.actor.inputs(batch)
        net = self._ddp if self._ddp is not None else self.model
        for i, path in enumerate(step_paths.paths):
            with autocast:
                outputs = self.actor.forward(net, inputs, path)
            loss, terms = self.actor.loss(outputs, batch, i, step_paths)
            value = float(loss.detach())
            ok = ok and math.isfinite(value) and value <= cfg.max_loss
            terms["loss"] = loss.detach()
            for k, v in terms.items():
                sums[k] = sums.get(k, 0.0) + float(v)
            self.scaler.scale(loss / n).backward()
        self.actor.sync_grads()
        ok = D.all_true(ok, self.info)
        grad_norm = float("nan")
        if self.amp:
            self.scaler.unscale_(self.optimizer)
        if self.distiller is not None:
            self.distiller.finish_grads(self.info, cfg.grad_clip)
        if ok:
            params = [p for p in self.model.parameters() if p.grad is not None]
            if cfg.grad_clip is not None and params:
                grad_norm = float(torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip))
            elif params:
                grad_norm = float(torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in params])))
            if not math.isfinite(grad_norm) and not self.amp:
                ok = False
        if ok:
            self.scaler.step(self.optimizer)
        else:
            self.counters["skipped_steps"] += 1
        if self.amp:
            self.scaler.update()
        self.actor.sync_buffers(step_paths)
        if "redraws" in batch and isinstance(batch["redraws"], torch.Tensor):
            self.counters["bad_samples"] += int(batch["redraws"].sum())
        self.counters["pairs"] += int(inputs[-1].shape[0]) * self.info.world_size
        self.step += 1
        out = {f"loss/{k}" if k not in ("acc",) else "train/acc": v / n for k, v in sums.items()}
        out.update({"lr": lr, "lr_backbone": bb_lr, "grad_norm": grad_norm, "skipped_steps": float(self.counters["skipped_steps"])})
        if self.distiller is not None:
            out.update(self.distiller.scalars())
        return out

    # ------------------------------------------------------------------ time budget
    def _sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def plan_time_budget(self, started: float) -> dict[str, Any]:
        """Time ``budget_probe_steps`` real steps, undo them, and shrink the schedule to fit.

        The probe's steps are discarded (model, optimizer, scaler, counters and RNG restored), so
        the planned run is the same run a config with the planned length would give.
        """
        t = self.cfg.train
        saved = {
            "model": copy.deepcopy(self.model.state_dict()),
            "optimizer": copy.deepcopy(self.optimizer.state_dict()),
            "scaler": copy.deepcopy(self.scaler.state_dict()),
            "counters": dict(self.counters),
            "rng": ckpt.rng_state(),
            "distill": copy.deepcopy(self.distiller.state_dict()) if self.distiller is not None else None,
        }
        n = min(t.budget_probe_steps, self.total_steps, self.steps_per_epoch)
        warm = max(1, n // 3)
        done, t0 = 0, time.perf_counter()
        for batch in self._loader(0, 0):
            self.train_step(batch)
            done += 1
            if done == warm and n > warm:
                self._sync()
                t0 = time.perf_counter()
            if done >= n:
                break
        self._sync()
        timed = done - warm if n > warm else done
        per_step = (time.perf_counter() - t0) / max(timed, 1)
        per_step = D.mean_scalars({"s": per_step}, self.info)["s"]
        self.model.load_state_dict(saved["model"])
        self.optimizer.load_state_dict(saved["optimizer"])
        self.scaler.load_state_dict(saved["scaler"])
        if saved["distill"] is not None:
            self.distiller.load_state_dict(saved["distill"])
        self.counters = saved["counters"]
        ckpt.set_rng_state(saved["rng"])
        self.step = 0
        left = t.time_budget_s - (time.perf_counter() - started)
        # 5% slack for checkpoints, logging and the loader restarting at each epoch.
        fits = int(0.95 * left / max(per_step, 1e-9))
        planned = max(1, min(self.total_steps, fits))
        self._apply_plan({"total_steps": planned, "scale": planned / self.total_steps if planned < self.total_steps else 1.0})
        report = {"probe_steps": done, "seconds_per_step": per_step, **self.plan}
        if self.info.is_main:
            print(
                f"train.time_budget_s: {per_step:.3f} s/step over {timed} probe steps; {left:.0f} s left -> "
                f"{planned} steps (schedule x{self.plan['scale']:.4g})",
                file=sys.stderr,
                flush=True,
            )
        return report

    def _over_budget(self, started: float) -> bool:
        budget = self.cfg.train.time_budget_s
        if budget is None:
            return False
        return not D.all_true(time.perf_counter() - started < budget, self.info)

    # ------------------------------------------------------------------ loop
    def _loader(self, epoch: int, start: int):
        if hasattr(self.dataset, "set_epoch"):
            self.dataset.set_epoch(epoch)
        batches = EpochBatches(
            len(self.dataset), self.cfg.train.batch_size, self.steps_per_epoch, start, self.info.rank, self.info.world_size
        )
        return torch.utils.data.DataLoader(
            self.dataset,
            batch_sampler=batches,
            num_workers=self.cfg.data.workers,
            pin_memory=self.device.type == "cuda",
            worker_init_fn=worker_init if self.cfg.data.workers > 0 else None,
        )

    def _trim_metrics(self) -> None:
        """Drop the records of ``metrics.jsonl`` after the step this run starts from: a run killed
        after its last checkpoint logged steps that the resumed run logs again (and a kill may have
        cut its last line off). A fresh run (step 0) starts an empty log."""
        path = self.out_dir / "metrics.jsonl"
        if not path.is_file():
            return
        kept = []
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and isinstance(record.get("step"), int) and record["step"] <= self.step:
                kept.append(line + "\n")
        atomic_write_text(path, "".join(kept))

    def _log(self, scalars: dict[str, float]) -> None:
        if not self.info.is_main:
            return
        record = {"step": self.step, **{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in scalars.items()}}
        with open(self.out_dir / "metrics.jsonl", "a") as f:
            f.write(json.dumps(record) + "\n")
        if self.cfg.log.tensorboard:
            if self._writer is None:
                try:
                    from torch.utils.tensorboard import SummaryWriter  # optional: the tensorboard extra

                    self._writer = SummaryWriter(str(self.out_dir / "tb"))
                except ImportError:
                    warnings.warn("tensorboard is not installed: scalars go to metrics.jsonl only", RuntimeWarning)
                    self.cfg.log.tensorboard = False
                    return
            for k, v in scalars.items():
                if isinstance(v, (int, float)) and math.isfinite(v):
                    self._writer.add_scalar(k, v, self.step)

    def fit(self) -> dict[str, Any]:
        """Train until ``total_steps``; returns a summary (and writes the run's products)."""
        cfg = self.cfg
        if self.info.is_main:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.out_dir / "config.yaml", cfg.to_yaml())  # a kill never leaves it cut off
            self._trim_metrics()
        bar = tqdm(
            total=self.total_steps,
            initial=self.step,
            disable=not (self.info.is_main and cfg.log.progress),
            desc=f"train {cfg.name}",
            unit="step",
            dynamic_ncols=True,
        )
        started, start_step = time.perf_counter(), self.step
        if self.step == 0 and cfg.train.bn_recalibrate:
            self.recalibrate_bn()
        budget_report = None
        if self.step == 0 and self.plan is None and cfg.train.time_budget_s is not None:
            budget_report = self.plan_time_budget(started)
            bar.total = self.total_steps
        stopped_by_budget = False
        t_window, pairs_window = time.perf_counter(), 0
        acc: dict[str, float] = {}
        n_acc = 0
        last: dict[str, float] = {}
        try:
            while self.step < self.total_steps:
                epoch, start = divmod(self.step, self.steps_per_epoch)
                for batch in self._loader(epoch, start):
                    scalars = self.train_step(batch)
                    pairs_window += cfg.train.batch_size * self.info.world_size
                    for k, v in scalars.items():
                        if math.isfinite(v):
                            acc[k] = acc.get(k, 0.0) + v
                    n_acc += 1
                    bar.update(1)
                    if self.step % cfg.log.every_steps == 0 or self.step == self.total_steps:
                        now = time.perf_counter()
                        means = {k: v / n_acc for k, v in acc.items()}
                        means = D.mean_scalars(means, self.info)
                        means["pairs_per_s"] = pairs_window / max(now - t_window, 1e-9)
                        means["epoch"] = self.step / self.steps_per_epoch
                        means["skipped_steps"] = float(self.counters["skipped_steps"])
                        self._log(means)
                        bar.set_postfix(loss=f"{means.get('loss/loss', float('nan')):.3f}", lr=f"{scalars['lr']:.2e}")
                        last = means
                        acc, n_acc, pairs_window, t_window = {}, 0, 0, now
                    if self.step % cfg.checkpoint.every_steps == 0 and self.step < self.total_steps:
                        self.save_checkpoint()
                    if self.step >= self.total_steps:
                        break
                    if self._over_budget(started):
                        stopped_by_budget = True
                        break
                if stopped_by_budget:
                    if self.info.is_main:
                        print(f"train.time_budget_s spent: stopped at step {self.step} of {self.total_steps} "
                              "(resume with --resume to finish the schedule)", file=sys.stderr, flush=True)
                    break
            self.save_checkpoint()
            products = self._write_products()
        finally:
            bar.close()
            if self._writer is not None:
                self._writer.close()
        elapsed = time.perf_counter() - started
        return {
            "steps": self.step,
            "steps_this_run": self.step - start_step,
            "seconds": elapsed,
            "pairs_per_s": (self.step - start_step) * cfg.train.batch_size * self.info.world_size / max(elapsed, 1e-9),
            "counters": dict(self.counters),
            "last": last,
            "products": {k: str(v) for k, v in products.items()},
            "out_dir": str(self.out_dir),
            **({"budget": budget_report} if budget_report is not None else {}),
            **({"stopped_by_budget": True} if stopped_by_budget else {}),
            **({"init_report": self.init_report} if self.init_report is not None else {}),
        }

    def _write_products(self) -> dict[str, Path]:
        if not self.info.is_main:
            D.barrier(self.info)
            return {}
        meta = {"step": self.step, "config": self.cfg.to_dict()}
        out = self.actor.write_products(self.out_dir, meta)
        D.barrier(self.info)
        return out


def train(cfg: TrainConfig, dataset: Any = None, resume: str | os.PathLike | None = None) -> dict[str, Any]:
    """Build a Trainer and run it (convenience for scripts and tests)."""
    return Trainer(cfg, dataset=dataset, resume=resume).fit()
