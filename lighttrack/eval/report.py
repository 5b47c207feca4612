"""Turn several evaluated runs into a comparison table, success / precision plots and an HTML page."""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

from lighttrack.errors import InputError
from lighttrack.io import atomic_write_text

COLUMNS = {
    "ope": [("auc", "Success AUC"), ("precision", "Precision@20"), ("norm_precision", "Norm.Prec@0.20"),
            ("fps", "FPS")],
    "trackingnet": [("auc", "Success"), ("precision", "Precision"), ("norm_precision", "Norm.Precision"),
                    ("fps", "FPS")],
    "got10k": [("ao", "AO"), ("sr50", "SR0.50"), ("sr75", "SR0.75"), ("speed_fps", "FPS")],
    "vot": [("accuracy", "Accuracy"), ("robustness_per100", "Robustness"), ("eao.vot2018", "EAO2018"),
            ("eao.vot2019", "EAO2019"), ("fps", "FPS")],
}


def load_run(path: str | Path) -> dict:
    """Read ``metrics.json`` of a run folder (or the file itself)."""
    p = Path(path)
    f = p / "metrics.json" if p.is_dir() else p
    if not f.is_file():
        raise InputError(f"{p}: no metrics.json; evaluate the run first (lighttrack eval ... --out {p})")
    try:
        data = json.loads(f.read_text())
    except ValueError as err:
        raise InputError(f"{f}: not valid JSON ({err})") from None
    if "protocol" not in data:
        raise InputError(f"{f}: not a lighttrack metrics file")
    data.setdefault("name", p.name if p.is_dir() else p.parent.name)
    return data


def _column_set(run: dict) -> str:
    proto = run["protocol"]
    if proto["kind"] == "ope":
        return "trackingnet" if proto.get("rule") == "trackingnet" else "ope"
    return proto["kind"]


def _get(summary: dict, key: str):
    v = summary
    for part in key.split("."):
        if not isinstance(v, dict):
            return None
        v = v.get(part)
    return v


def _fmt(v, key: str) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "n/a"
    if "fps" in key:
        return f"{v:.1f}"
    return f"{v:.3f}"


def comparison(runs: list[dict]) -> list[dict]:
    """One table per protocol: ``[{"protocol", "description", "header", "rows"}]``, rows sorted
    by the protocol's headline number (best first)."""
    groups: dict[str, list[dict]] = {}
    for r in runs:
        if not r.get("evaluated", True):
            continue
        groups.setdefault(r["protocol"]["name"], []).append(r)
    tables = []
    for proto_name, group in groups.items():
        cols = COLUMNS[_column_set(group[0])]
        key0 = cols[0][0]
        group = sorted(group, key=lambda r: -(_get(r["summary"], key0) or -1))
        rows = []
        for r in group:
            dataset = (r.get("run") or {}).get("dataset") or {}
            rows.append({"name": r["name"],
                         "tracker": (r.get("run") or {}).get("tracker", ""),
                         "dataset": f"{dataset.get('format', '?')}" + (f"/{dataset['split']}" if dataset.get("split") else ""),
                         "values": {k: _get(r["summary"], k) for k, _ in cols}})
        tables.append({"protocol": proto_name, "description": group[0]["protocol"]["description"],
                       "header": [label for _, label in cols], "keys": [k for k, _ in cols], "rows": rows})
    return tables


def format_tables(tables: list[dict]) -> str:
    out = []
    for t in tables:
        header = ["Run", "Tracker", "Data"] + t["header"]
        body = [[r["name"], r["tracker"], r["dataset"]] + [_fmt(r["values"][k], k) for k in t["keys"]]
                for r in t["rows"]]
        widths = [max(len(str(x)) for x in col) for col in zip(header, *body)]
        out.append(f"protocol: {t['protocol']}")
        out.append("  ".join(h.ljust(w) for h, w in zip(header, widths)))
        out.append("  ".join("-" * w for w in widths))
        out.extend("  ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in body)
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def run_colours(runs: list[dict]) -> dict[str, str]:
    """One colour per run name, fixed by the sorted names: plots that order their lines by
    different scores still draw each tracker in the same colour."""
    names = sorted({r["name"] for r in runs})
    palette = "tab10" if len(names) <= 10 else "tab20"
    return {name: _palette_colour(palette, i) for i, name in enumerate(names)}


def _palette_colour(palette: str, index: int) -> str:
    import matplotlib  # local: see plot_runs

    cmap = matplotlib.colormaps[palette]
    return matplotlib.colors.to_hex(cmap(index % cmap.N))


def plot_speed_accuracy(points: dict[str, dict], axes: list[tuple[str, str, bool]], ylabel: str, path: str | Path,
                        join_front: bool = True) -> Path:
    """AUC against cost, one panel per ``(key, label, lower_is_better)`` of ``axes``, a point per
    tracker of ``points`` (name -> {"auc", key: value}; a None value leaves it off that panel). NanoTrack
    is orange, the demo's own network green, the rest blue; with ``join_front`` a grey line joins the
    trackers no other beats on both axes of a panel."""
    import matplotlib  # local: see plot_runs

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, panels = plt.subplots(1, len(axes), figsize=(5 * len(axes), 4.5), squeeze=False)
    for ax, (key, label, lower_is_better) in zip(panels[0], axes):
        shown = {n: (v[key], v["auc"]) for n, v in points.items() if v.get(key) is not None and v.get("auc") is not None}
        for name, (x, auc) in shown.items():
            colour = "tab:orange" if name.startswith("nanotrack") else "tab:green" if name.startswith("lighttrack-demo") else "tab:blue"
            ax.scatter(x, auc, color=colour)
            ax.annotate(name, (x, auc), fontsize=7, xytext=(3, 3), textcoords="offset points")
        if join_front:
            front = sorted((x, auc) for n, (x, auc) in shown.items() if not any(
                a >= auc and (y <= x if lower_is_better else y >= x) and (y, a) != (x, auc) for y, a in shown.values()))
            ax.plot([x for x, _ in front], [a for _, a in front], color="grey", alpha=0.5, zorder=0)
        ax.set_xlabel(label)
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return Path(path)


def plot_runs(runs: list[dict], out_dir: str | Path) -> list[Path]:
    """Success and precision plots (PNG) for one-pass runs, the success plot for GOT-10k runs and
    the EAO curve for VOT runs. Returns the files written."""
    # local: choosing the Agg backend is process-wide, so it happens when a plot is drawn, not on import
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    colour = run_colours(runs)  # one colour per tracker in every plot of the page
    written: list[Path] = []
    by_kind: dict[str, list[dict]] = {}
    for r in runs:
        if r.get("evaluated", True):
            by_kind.setdefault(r["protocol"]["name"], []).append(r)

    def save(fig, name):
        path = out_dir / name
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        written.append(path)

    for proto_name, group in by_kind.items():
        kind = group[0]["protocol"]["kind"]
        if kind in ("ope", "got10k"):
            fig, ax = plt.subplots(figsize=(6, 4.5))
            key = "auc" if kind == "ope" else "ao"
            for r in sorted(group, key=lambda r: -(r["summary"].get(key) or 0)):
                s = r["summary"]
                label = f"{r['name']} [{'AUC' if kind == 'ope' else 'AO'} {s.get(key, 0):.3f}]"
                ax.plot(s["success_thresholds"], s["success_curve"], lw=2, label=label, color=colour[r["name"]])
            ax.set(xlabel="Overlap threshold", ylabel="Success rate", xlim=(0, 1), ylim=(0, 1.02),
                   title=f"Success plot ({proto_name})")
            ax.grid(alpha=0.3)
            ax.legend(loc="lower left", fontsize=8)
            save(fig, f"success_{proto_name}.png")
        if kind == "ope":
            fig, ax = plt.subplots(figsize=(6, 4.5))
            for r in sorted(group, key=lambda r: -(r["summary"]["precision_curve"][20])):
                s = r["summary"]
                ax.plot(s["precision_thresholds"], s["precision_curve"], lw=2, color=colour[r["name"]],
                        label=f"{r['name']} [{s['precision_curve'][20]:.3f}]")
            ax.set(xlabel="Location error threshold (px)", ylabel="Precision", xlim=(0, 50),
                   ylim=(0, 1.02), title=f"Precision plot ({proto_name})")
            ax.grid(alpha=0.3)
            ax.legend(loc="lower right", fontsize=8)
            save(fig, f"precision_{proto_name}.png")
            fig, ax = plt.subplots(figsize=(6, 4.5))
            for r in group:
                s = r["summary"]
                ax.plot(s["norm_precision_thresholds"], s["norm_precision_curve"], lw=2, label=r["name"], color=colour[r["name"]])
            ax.set(xlabel="Normalised location error threshold", ylabel="Normalised precision",
                   xlim=(0, 0.5), ylim=(0, 1.02), title=f"Normalised precision plot ({proto_name})")
            ax.grid(alpha=0.3)
            ax.legend(loc="lower right", fontsize=8)
            save(fig, f"norm_precision_{proto_name}.png")
        if kind == "vot":
            fig, ax = plt.subplots(figsize=(6, 4.5))
            for r in group:
                curve = [v if v is not None else float("nan") for v in r["summary"].get("eao_curve", [])]
                ax.plot(range(len(curve)), curve, lw=2, label=r["name"], color=colour[r["name"]])
            ax.set(xlabel="Sequence length (frames)", ylabel="Expected average overlap", ylim=(0, 1.02),
                   title=f"EAO curve ({proto_name})")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)
            save(fig, f"eao_{proto_name}.png")
    return written


def write_html(tables: list[dict], images: list[Path], path: str | Path, title: str = "lighttrack report") -> Path:
    path = Path(path)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
             "td,th{border:1px solid #bbb;padding:4px 10px;text-align:right}td:first-child,th:first-child"
             "{text-align:left}.desc{color:#555;max-width:60em}img{max-width:48%;margin:4px}</style>",
             f"</head><body><h1>{html.escape(title)}</h1>"]
    for t in tables:
        parts.append(f"<h2>{html.escape(t['protocol'])}</h2><p class='desc'>{html.escape(t['description'])}</p>")
        parts.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>"
                                             for h in ["Run", "Tracker", "Data"] + t["header"]) + "</tr>")
        for r in t["rows"]:
            cells = [r["name"], r["tracker"], r["dataset"]] + [_fmt(r["values"][k], k) for k in t["keys"]]
            parts.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
        parts.append("</table>")
    if images:
        parts.append("<h2>Plots</h2>")
        parts.extend(f"<img src='{html.escape(p.name)}' alt='{html.escape(p.stem)}'>" for p in images)
    parts.append("</body></html>\n")
    return atomic_write_text(path, "\n".join(parts))


def make_report(run_paths: list[str | Path], out_dir: str | Path) -> dict:
    """Load runs, write plots + ``report.html`` + ``report.json`` into ``out_dir``."""
    if not run_paths:
        raise InputError("give at least one run folder")
    runs = [load_run(p) for p in run_paths]
    names = [r["name"] for r in runs]
    for i, n in enumerate(names):  # disambiguate duplicate folder names
        if names.count(n) > 1:
            runs[i]["name"] = f"{n}#{i + 1}"
    tables = comparison(runs)
    out_dir = Path(out_dir)
    images = plot_runs(runs, out_dir)
    page = write_html(tables, images, out_dir / "report.html")
    skipped = [r["name"] for r in runs if not r.get("evaluated", True)]
    result = {"tables": tables, "plots": [str(p) for p in images], "html": str(page), "not_evaluated": skipped}
    atomic_write_text(out_dir / "report.json", json.dumps(result, indent=2) + "\n")
    return result
