"""The demo's report folder: ``<out>/report/index.html`` with the result table, the success and
precision plots (``lighttrack report``), the Pareto front of the search and the tracked video."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

from lighttrack.eval.report import make_report, plot_speed_accuracy
from lighttrack.io import atomic_write_text
from lighttrack.models import MODELS

# The real-video figures the headline states: the repository's latest real-video validation run
# (benchmarks/realvideo.py), read where the demo runs from a clone; an installed wheel has no docs/.
REALVIDEO_RESULTS = Path(__file__).resolve().parents[2] / "docs" / "results" / "realvideo_val.json"
DEFAULT_MODEL = "lighttrack-mobile"

LABELS = {
    "lighttrack-demo": "LightTrack, found and trained by this demo run",
    "lighttrack-mobile-official": "LightTrack-Mobile, the official trained weights (the default tracker; MIT, not trained by this run)",
    "lighttrack-mobile-ours-shipped": "LightTrack-Mobile, our own shipped weights (not trained by this run)",
    "lighttrack-m300-shipped": "lighttrack-m300 (our searched model, <= 300 M MACs), shipped weights (not trained by this run)",
    "lighttrack-m200-shipped": "lighttrack-m200 (our searched small model, <= 200 M MACs), shipped weights (not trained by this run)",
    "nanotrack-v2": "NanoTrack v2 (pretrained peer, Apache-2.0, through OpenCV's TrackerNano; not ours)",
    "lighttrack-demo-network-only": "the demo's network alone: LightTrack's own inference, no refiners (calibration, voting, alignment)",
    "lighttrack-mobile-ours-shipped-network-only": "our shipped LightTrack-Mobile alone: LightTrack's own inference, no refiners",
    "kcf": "KCF (OpenCV)",
    "csrt": "CSRT (OpenCV)",
    "static": "static: the first-frame box in every frame (a floor, not a tracker)",
}


CAMERA_TEXT = {
    "smooth": "a slow, steady pan and zoom",
    "handheld": "fast pans with shake, zooms, motion blur, exposure drift, sensor noise and a passing occluder",
}


def _f(v, digits=3) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def realvideo_rows(results: dict) -> list[tuple[str, dict]]:
    """The headline's rows from a real-video results JSON: the default tracker (with the preset its
    weights carry), our own weights, NanoTrack v2 and CSRT, each labelled."""
    rows = []
    for name, row in (results.get("trackers") or {}).items():
        spec, preset = str(row.get("spec", "")), str(row.get("preset") or "")
        if preset.endswith("network-only"):
            continue
        entry = MODELS.get(spec)
        ours = entry is not None and "research use" in str(entry.terms or "")
        default = MODELS.get(DEFAULT_MODEL)
        if entry is not None and default is not None and entry.weights == default.weights:  # the default or an alias of it
            label = (f"{DEFAULT_MODEL}, the default tracker" + (f" (= {spec})" if spec != DEFAULT_MODEL else "")
                     + (", our own weights" if ours else "") + f", preset {preset}")
        elif ours:
            label = f"{spec}, our own weights, preset {preset}"
        elif spec.startswith("nanotrack"):
            label = "NanoTrack v2 (pretrained peer, through OpenCV's TrackerNano)"
        elif spec == "csrt":
            label = "CSRT (OpenCV)"
        else:
            continue
        rows.append((label, row))
    return rows


def realvideo_headline(path: Path = REALVIDEO_RESULTS) -> list[str]:
    """HTML stating the real-video facts, labelled with where they come from; a pointer where the
    results file is not there."""
    try:
        results = json.loads(path.read_text())
    except (OSError, ValueError):
        return ["<p>Real-video figures: see <code>docs/results/realvideo_val.json</code> in the source "
                "repository (not found beside this install).</p>"]
    sources = ", ".join(f"{n} {k}" for k, n in (results.get("clips_per_source") or {}).items())
    parts = [
        f"<p>From <code>docs/results/realvideo_val.json</code> ({html.escape(str(results.get('benchmark', '')))}: "
        f"{results.get('clips')} clips, {results.get('frames')} frames; {html.escape(sources)}; drone footage and "
        "DAVIS-2016 val; not run by this demo):</p>",
        "<table><tr><th>tracker</th><th>AUC</th><th>precision</th><th>FPS (that run)</th></tr>",
    ]
    for label, row in sorted(realvideo_rows(results), key=lambda lr: -(lr[1].get("auc") or 0)):
        parts.append(f"<tr><td>{html.escape(label)}</td><td>{_f(row.get('auc'))}</td><td>{_f(row.get('precision'))}</td>"
                     f"<td>{_f(row.get('fps'), 1)}</td></tr>")
    parts.append("</table>")
    return parts


def front_plot(table: dict, path: Path) -> Path | None:
    """The report's Pareto plot: AUC on this run's clips against MACs per frame and against the
    frames/s measured here, for every row with a MACs count (LightTrack networks at the search crop
    their preset uses, NanoTrack v2); the rows no other row beats on both axes are joined."""
    points = {name: {"auc": v["auc"], "macs_m": v["macs"] / 1e6, "fps": v.get("fps")} for name, v in table.items()
              if v.get("macs") and v.get("auc") is not None}
    if not points:
        return None
    return plot_speed_accuracy(points, [("macs_m", "MACs per frame (M)", True), ("fps", "tracker frames/s on this machine", False)],
                               "success AUC, this run's clips", path)


def write_report(demo) -> dict:
    out = demo.out
    rep = out / "report"
    rep.mkdir(parents=True, exist_ok=True)
    runs = sorted(p for p in (out / "evaluate").iterdir() if (p / "metrics.json").is_file())
    made = make_report([str(p) for p in runs], rep)  # success/precision PNGs, report.html, report.json
    plots = [Path(p).name for p in made["plots"]]

    search = demo.done("search") or {}
    pareto = Path(search.get("pareto_png", ""))
    if pareto.is_file():
        shutil.copy(pareto, rep / "pareto.png")
    track = demo.done("track") or {}
    for name in track.get("keyframes", []):
        shutil.copy(out / "track" / name, rep / name)
    video = Path(track.get("video", ""))
    if video.is_file():
        shutil.copy(video, rep / video.name)

    table = (demo.done("evaluate") or {}).get("table", {})
    rows = sorted(table.items(), key=lambda kv: -(kv[1].get("auc") or -1))
    front = front_plot(table, rep / "front.png")
    st = {k: demo.done(k) or {} for k in ("supernet", "retrain", "export")}
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>lighttrack demo</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
        "img{max-width:100%}</style></head><body>",
        "<h1>lighttrack demo</h1>",
        f"<p>Mode <b>{html.escape(demo.s.name)}</b>. Every stage ran on the CPU on data shipped in the package "
        "(see <code>lighttrack/assets/demo/ATTRIBUTION.md</code>).</p>",
        "<h2>On real video (success AUC / precision @20 px)</h2>",
        *realvideo_headline(),
        "<h2>This run, on clips made from still photos (one-pass, success AUC / precision @20 px)</h2>",
        f"<p>{(demo.done('evaluate') or {}).get('sequences', '?')} clips of "
        f"{(demo.done('evaluate') or {}).get('frames_per_sequence', '?')} frames: a virtual camera "
        f"({html.escape(str((demo.done('evaluate') or {}).get('camera', 'smooth')))}: "
        f"{CAMERA_TEXT.get((demo.done('evaluate') or {}).get('camera', 'smooth'), '')}) films shipped photos "
        "(thermal, aquarium, COCO) that no shipped training run saw; the boxes are exact.</p>",
        "<table><tr><th>tracker</th><th>AUC</th><th>precision</th><th>FPS (this machine)</th><th>M MACs per frame</th></tr>",
    ]
    for name, v in rows:
        crop = f" ({v['search_size']} px)" if v.get("search_size") else ""
        parts.append(f"<tr><td>{html.escape(LABELS.get(name, name))}</td><td>{_f(v.get('auc'))}</td>"
                     f"<td>{_f(v.get('precision'))}</td><td>{_f(v.get('fps'), 1)}</td>"
                     f"<td>{_f((v.get('macs') or 0) / 1e6, 1) if v.get('macs') else ''}{crop}</td></tr>")
    parts.append("</table>")
    if front is not None:
        parts.append("<p>Speed against accuracy on these clips: the demo's network (green), the shipped LightTrack "
                     "models and the official Mobile (blue), NanoTrack v2 (orange); the grey line joins the rows no "
                     "other row beats on both axes.</p><img src='front.png' alt='Pareto plot of the trackers'>")
    ours = [v.get("auc") or 0 for k, v in table.items() if k.startswith("lighttrack")]
    classic = [v.get("auc") or 0 for k, v in table.items() if k in ("kcf", "csrt")]
    if ours and classic:
        verdict = "beats" if max(ours) > max(classic) else "does <b>not</b> beat"
        parts.append(f"<p>On these still-photo clips, the best LightTrack row {verdict} the best classic tracker "
                     f"(AUC {max(ours):.3f} vs {max(classic):.3f}). The demo's own network trains for a few "
                     "hundred pairs in minutes of CPU; the paper's used 18 million pairs on 8 GPUs. "
                     "The official row is the paper's authors' trained LightTrack-Mobile (the default tracker; its preset "
                     "runs LightTrack's own step, no refiner); our shipped rows are our longer runs (CPU hours; for Mobile "
                     "also ten GPU minutes). Each is tracked with the preset it carries (see "
                     "<code>lighttrack/assets/MODEL_CARD.md</code>). "
                     "LightTrack rows run the refiners their preset switches on: first-frame calibration, box voting, and "
                     "an alignment of each box to the target's first-frame look where it still matches "
                     "(<code>lighttrack.tracker.refiners</code>); the <i>network alone</i> rows show what LightTrack's own "
                     "inference scores with the same rates and no refiner. These clips film rigid photos, where a first-frame match is exact; on real video of "
                     "deforming objects the alignment stands aside more often (see the model card).</p>")
    parts += [f"<img src='{html.escape(p)}' alt='{html.escape(p)}'>" for p in plots]
    parts += [
        "<h2>Search</h2>",
        f"<p>Supernet: {st['supernet'].get('steps')} steps ({st['supernet'].get('pairs')} pairs, "
        f"{_f(st['supernet'].get('seconds'), 0)} s; weights {html.escape(str(st['supernet'].get('init', 'random')))}). "
        f"Evolution under {search.get('max_macs', 0) / 1e6:.0f} M MACs: "
        f"{search.get('evaluations')} candidates scored; found <code>{html.escape(str(search.get('arch')))}</code> "
        f"({_f((search.get('macs') or 0) / 1e6, 1)} M MACs, {_f((search.get('params') or 0) / 1e6, 2)} M parameters, "
        f"supernet fitness {_f(search.get('fitness'))}"
        + (f" at {search['search_size']}-px search crops" if search.get("search_size") else "")
        + (f"; fitness of the {spread['candidates']} candidates from {_f(spread['min'])} to {_f(spread['max'])}, "
           f"median {_f(spread['median'])}, runner-up {_f(spread['runner_up'])}" if (spread := search.get("fitness_spread")) else "")
        + f"). Retrained {st['retrain'].get('steps')} steps "
        f"({_f(st['retrain'].get('seconds'), 0)} s), final loss {st['retrain'].get('loss')}.</p>",
    ]
    if (rep / "pareto.png").is_file():
        parts.append("<img src='pareto.png' alt='Pareto front'>")
    parts += [
        "<h2>Export</h2>",
        f"<p>ONNX graphs in <code>{html.escape(str(st['export'].get('onnx')))}</code>; max |ONNX - PyTorch|: "
        f"{html.escape(json.dumps(st['export'].get('parity')))}</p>",
        "<h2>A real clip</h2>",
        f"<p>{html.escape(str(track.get('credit', '')))}. Tracker: {html.escape(str(track.get('tracker', '')))}; "
        f"init box {track.get('init_box')} (fixed, chosen on the first frame); {track.get('frames')} frames at "
        f"{_f(track.get('fps'), 1)} FPS; mean score {track.get('mean_score')}. "
        f"Annotated video: <a href='{html.escape(video.name)}'>{html.escape(video.name)}</a> (mp4v).</p>",
    ]
    parts += [f"<img src='{html.escape(n)}' alt='{html.escape(n)}' style='max-width:49%'>" for n in track.get("keyframes", [])]
    parts.append("</body></html>\n")
    page = atomic_write_text(rep / "index.html", "\n".join(parts))
    lines = ["tracker                                          AUC    prec   FPS"]
    for name, v in rows:
        lines.append(f"{name:<48} {_f(v.get('auc'))}  {_f(v.get('precision'))}  {_f(v.get('fps'), 1)}")
    atomic_write_text(rep / "table.txt", "\n".join(lines) + "\n")
    demo.log("\n".join("    " + x for x in lines))
    return {"html": str(page), "plots": plots, "table": str(rep / "table.txt"), "front": str(front) if front else None}
