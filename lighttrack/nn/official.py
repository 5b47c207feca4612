"""The official LightTrack checkpoint key layout, mapped onto ours by prefix renames.

Official names (``features.blocks``, ``feature_fusor.pw_corr.CA_layer``, ``head.cls_perd`` …)
are rewritten to this project's names; nothing else about the tensors changes.
"""

from __future__ import annotations

import re

import torch

from lighttrack.nn.checkpoint import load_state_dict_strict

# (official pattern, our replacement), applied in order, first match wins.
_RENAMES = [
    (r"^features\.conv_stem\.", "backbone.stem.conv."),
    (r"^features\.bn1\.", "backbone.stem.bn."),
    (r"^features\.blocks\.", "backbone.stages."),
    (r"^neck\.BN_z\.", "neck.bn_z."),
    (r"^neck\.BN_x\.", "neck.bn_x."),
    (r"^feature_fusor\.pw_corr\.CA_layer\.", "fusion.attention."),
    (r"^feature_fusor\.adj_layer\.", "fusion.adjust."),
    (r"^head\.(cls|reg)_tower\.(\d+)\.conv1\.", r"\1_head.tower.\2.depthwise."),
    (r"^head\.(cls|reg)_tower\.(\d+)\.pointwise\.", r"\1_head.tower.\2.pointwise."),
    (r"^head\.(cls|reg)_tower\.(\d+)\.BN\.", r"\1_head.tower.\2.bn."),
    (r"^head\.cls_perd\.cls_pred\.", "cls_head.predictor.conv."),
    (r"^head\.reg_pred\.bbox_pred\.", "reg_head.predictor.conv."),
]
_COMPILED = [(re.compile(p), r) for p, r in _RENAMES]


def is_official_layout(state_dict: dict[str, torch.Tensor]) -> bool:
    return any(k.startswith("features.") for k in state_dict) and any(k.startswith("feature_fusor.") for k in state_dict)


def official_to_ours(key: str) -> str:
    for pattern, replacement in _COMPILED:
        new, n = pattern.subn(replacement, key)
        if n:
            return new
    return key


def convert_official_state_dict(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Rename every key; keys the official layout does not know stay as they are (and fail loading)."""
    if any(k.startswith("module.") for k in state_dict):  # saved from DataParallel
        state_dict = {k.removeprefix("module."): v for k, v in state_dict.items()}
    return {official_to_ours(k): v for k, v in state_dict.items()}


def load_official_state_dict(net: torch.nn.Module, state_dict: dict[str, torch.Tensor]) -> None:
    """Load an official-layout state dict strictly; errors name the first mismatched key."""
    load_state_dict_strict(net, convert_official_state_dict(state_dict))
