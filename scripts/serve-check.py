#!/usr/bin/env python3
"""Drives the seminar page (`cohesion serve`) in headless Chromium, as a teacher would.

Loads the page, checks that the Run button is in view without scrolling at projector sizes
(1280×720 and 1600×900), runs the baseline town over fewer years than the default, pulls a
lever (a decade of deep cuts), runs again, and checks that both runs sit side by side, that the
charts and the town map were drawn for each, that they differ where the lever should make them
differ, that on every map no ward discs overlap, no name covers a marker or another name and no
marker sits on another (by the browser's own boxes), that a run queued through the API (as with
curl) joins the page, and that the page fetched nothing from anywhere but the server. Then, at
1280×720, pauses the first run at the start of 2015, pulls a lever (a library opened that year)
and runs on, and checks that the fork is drawn: on every chart one line up to the fork, marked
there, parting into the lever's future and the run's own (dashed) from the last shared week;
and, in the fork's data, both futures the same bytes in every week before 2015 and different
after. Saves a screenshot (of the fork, at
1280×720) and prints its path.

Usage: serve-check.py URL --browser /usr/bin/chromium --screenshot shot.png
Needs the `playwright` Python package (its own browsers are not needed: the system's
Chromium is used). Exits 1, saying why, if a check fails.
"""

import argparse
import json
import sys
import urllib.request
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

RESIDENTS = 3000  # a small town, so that each run takes a second or two
RUN_TIMEOUT_MS = 180_000
YEARS = 12  # fewer than the baseline's 15, to check the years control
PROJECTOR_SIZES = [(1280, 720), (1600, 900)]
FORK_YEAR = 2015


def fail(message):
    print(f"serve-check: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def set_range(page, name, value):
    """Moves a slider (or any input) and tells the page, as a user's drag would."""
    page.eval_on_selector(
        f'[name="{name}"]',
        """(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true}));
                        el.dispatchEvent(new Event('change', {bubbles: true})); }""",
        str(value),
    )


def run_button_in_view(page):
    """Where the Run button lies in the first screen, before any scrolling."""
    return page.evaluate(
        """() => { window.scrollTo(0, 0);
                   const r = document.getElementById('run').getBoundingClientRect();
                   return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                           height: innerHeight, width: innerWidth}; }"""
    )


def wait_for_runs(page, n):
    page.wait_for_function(
        f"""() => document.querySelectorAll('#runs li[data-status="done"]').length >= {n}
                  && document.querySelectorAll('#maps svg[data-run]').length >= {n}""",
        timeout=RUN_TIMEOUT_MS,
    )


def snapshot(page):
    """What the charts and maps show now: per chart and run, the final year's mean; per map,
    the open venues and the wards' values."""
    return page.evaluate(
        """() => {
          const charts = {};
          for (const svg of document.querySelectorAll('#charts svg[data-metric]')) {
            charts[svg.dataset.metric] = [...svg.querySelectorAll('path[data-run]')].map(
              (p) => ({run: p.dataset.run, mean: Number(p.dataset.finalYearMean),
                       points: (p.getAttribute('d').match(/L/g) || []).length}));
          }
          const maps = [...document.querySelectorAll('#maps svg[data-run]')].map((svg) => ({
            run: svg.dataset.run, year: svg.dataset.year, open: Number(svg.dataset.open),
            wards: [...svg.querySelectorAll('circle[data-ward]')].map((c) => c.dataset.value),
            markers: svg.querySelectorAll('g[data-state]').length,
            closed: svg.querySelectorAll('g[data-state="c"]').length}));
          const labels = [...document.querySelectorAll('#runs li .label')].map((l) => l.textContent);
          return {charts, maps, labels};
        }"""
    )


def check_map_layout(page, when):
    """On every town map: no two ward discs overlap, no ward name (its text or its white box)
    covers a venue's marker or another name, and no marker sits on another. Boxes are the
    browser's own (getBBox), in the map's view box. Returns the numbers checked."""
    found = page.evaluate(
        """() => [...document.querySelectorAll('#maps svg')].map((svg) => {
          const box = (e) => { const b = e.getBBox();
                               return {x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height}; };
          return {
            run: svg.dataset.run,
            discs: [...svg.querySelectorAll('circle')].map((c) => ({
              ward: c.dataset.ward, x: Number(c.getAttribute('cx')),
              y: Number(c.getAttribute('cy')), r: Number(c.getAttribute('r'))})),
            texts: [...svg.querySelectorAll('text')].map((t) => ({text: t.textContent, ...box(t)})),
            boxes: [...svg.querySelectorAll('rect')].map(box),
            markers: [...svg.querySelectorAll('g[data-state]')].map((g) => ({
              title: g.textContent, ...box(g)})),
          };
        })"""
    )

    def meet(a, b):
        return a["x0"] < b["x1"] and b["x0"] < a["x1"] and a["y0"] < b["y1"] and b["y0"] < a["y1"]

    if not found:
        fail(f"{when}: no town map drawn")
    counts = [0, 0, 0]
    for m in found:
        discs, texts, markers = m["discs"], m["texts"], m["markers"]
        if not discs or not texts or not markers:
            fail(f"{when}: the map of run {m['run']} lacks discs, names or markers: {m}")
        for i, a in enumerate(discs):
            for b in discs[i + 1:]:
                if ((a["x"] - b["x"]) ** 2 + (a["y"] - b["y"]) ** 2) ** 0.5 < a["r"] + b["r"]:
                    fail(f"{when}: on the map of run {m['run']} the discs of {a['ward']} and "
                         f"{b['ward']} overlap: {a} / {b}")
        for t in texts:
            if not any(b["x0"] - 1 <= t["x0"] and t["x1"] <= b["x1"] + 1 and b["y0"] - 1 <= t["y0"]
                       and t["y1"] <= b["y1"] + 1 for b in m["boxes"]):
                fail(f"{when}: on the map of run {m['run']} a name runs out of its box: {t}")
        names = texts + m["boxes"]
        for n in names:
            for k in markers:
                if meet(n, k):
                    fail(f"{when}: on the map of run {m['run']} a name covers a marker: {n} "
                         f"over {k}")
        for i, a in enumerate(texts):
            for b in texts[i + 1:]:
                if meet(a, b):
                    fail(f"{when}: on the map of run {m['run']} two names overlap: {a} / {b}")
        for i, a in enumerate(markers):
            for b in markers[i + 1:]:
                if meet(a, b):
                    fail(f"{when}: on the map of run {m['run']} two markers overlap: {a} / {b}")
        counts[0] += len(discs)
        counts[1] += len(texts)
        counts[2] += len(markers)
    return counts


def points(d):
    """The points of an SVG path drawn as `M x,y L x,y ...`."""
    out = []
    for part in d.replace("M", " ").replace("L", " ").split():
        x, y = part.split(",")
        out.append((float(x), float(y)))
    return out


def split_runs(csv, name, year):
    """runs.csv rows (scenario,replicate,tick,year,week,metric,value) of scenario `name`,
    without the name, before `year` and from `year` on."""
    before, after = [], []
    for line in csv.splitlines()[1:]:
        fields = line.split(",")
        if fields[0] != name:
            continue
        (before if int(fields[3]) < year else after).append(",".join(fields[1:]))
    return before, after


def fork_drawn(page):
    """The last run kept (the fork) as the page drew it, with its answer and its runs.csv."""
    return page.evaluate(
        """async () => {
          const li = [...document.querySelectorAll('#runs li')].pop();
          const id = li.dataset.run;
          const job = await (await fetch(`/api/runs/${id}`)).json();
          const csv = await (await fetch(`/api/runs/${id}/files/runs.csv`)).text();
          const charts = {};
          for (const svg of document.querySelectorAll('#charts svg[data-metric]')) {
            const g = svg.querySelector(`g.fork[data-run="${id}"]`);
            const solid = svg.querySelector(`path[data-run="${id}"]`);
            const dashed = svg.querySelector(`path[data-fork-of="${id}"]`);
            charts[svg.dataset.metric] = {
              year: g ? Number(g.dataset.forkYear) : null,
              x: g ? Number(g.querySelector('line').getAttribute('x1')) : null,
              marked: g ? g.querySelectorAll('circle, text').length : 0,
              solid: solid ? solid.getAttribute('d') : '',
              dashed: dashed ? dashed.getAttribute('d') : '',
              dash: dashed ? dashed.getAttribute('stroke-dasharray') : null,
              solidMean: solid ? Number(solid.dataset.finalYearMean) : null,
              dashedMean: dashed ? Number(dashed.dataset.finalYearMean) : null};
          }
          return {id, label: li.querySelector('.label').textContent,
                  note: !document.getElementById('fork-note').hidden,
                  fork: job.result.fork, scenario: job.result.scenario, charts, csv};
        }"""
    )


def check_fork(page):
    """Pauses the first run kept at the start of FORK_YEAR, opens a library that year, runs on,
    and checks the fork as drawn and as data. Returns what it measured."""
    page.set_viewport_size({"width": 1280, "height": 720})
    first = page.eval_on_selector("#runs li", "li => li.dataset.run")
    page.check('[name="fork.on"]')
    page.select_option("#fork-run", first)
    page.select_option("#fork-year", str(FORK_YEAR))
    # Pausing loads the run's own levers: the baseline, no cuts.
    if page.is_checked('[name="austerity.on"]'):
        fail("pausing the first run did not load its levers (austerity is still on)")
    page.check('[name="invest.on"]')
    page.select_option('[name="invest.kind"]', "library")
    page.select_option('[name="invest.year"]', str(FORK_YEAR))
    box = run_button_in_view(page)
    if not (0 <= box["top"] and box["bottom"] <= box["height"]):
        fail(f"at 1280x720, pausing a run, the Run button is not in view: {box}")
    page.click("#run")
    page.wait_for_function(
        """() => document.querySelector('#runs li:last-child').dataset.status === 'done'
                 && document.querySelectorAll('#charts svg g.fork').length === 4""",
        timeout=RUN_TIMEOUT_MS,
    )
    f = fork_drawn(page)
    if not f["label"].startswith(f"forked in {FORK_YEAR}: + invest (library)"):
        fail(f"the fork's label does not say what was pulled when: {f['label']!r}")
    if not f["note"]:
        fail("the note on how a fork is drawn is not shown")
    fork = f["fork"]
    if fork is None or fork["year"] != FORK_YEAR:
        fail(f"the run is not a fork at {FORK_YEAR}: {fork}")
    start = fork["from_tick"]
    for metric, c in f["charts"].items():
        if c["year"] != FORK_YEAR or c["marked"] < 2:
            fail(f"the {metric} chart does not mark the fork at {FORK_YEAR}: {c}")
        if not c["dash"]:
            fail(f"the {metric} chart does not dash the run going on as it was: {c}")
        solid, dashed = points(c["solid"]), points(c["dashed"])
        # One line up to the fork: the dashed future leaves the solid line at its last shared
        # week, next to the fork's mark, and runs to the same end.
        if dashed[0] != solid[start]:
            fail(f"the {metric} futures do not part from the shared past: {dashed[0]} vs "
                 f"{solid[start]}")
        if not (solid[start][0] <= c["x"] < solid[start + 1][0] + 1):
            fail(f"the {metric} fork mark is not where the futures part: {c['x']} vs "
                 f"{solid[start]}")
        if len(solid) != start + len(dashed) or dashed[-1][0] != solid[-1][0]:
            fail(f"the {metric} futures do not run to the same end")
    venues = f["charts"]["venues_open"]
    if not venues["solidMean"] > venues["dashedMean"]:
        fail(f"the library opened at the fork is not on the venues chart: {venues}")
    # In the data, the past is shared to the byte and the futures differ from the fork on.
    p_before, p_after = split_runs(f["csv"], fork["parent"]["scenario"], FORK_YEAR)
    b_before, b_after = split_runs(f["csv"], f["scenario"], FORK_YEAR)
    if not p_before or p_before != b_before:
        fail(f"the fork's runs.csv: the futures differ before {FORK_YEAR} "
             f"({len(p_before)} and {len(b_before)} rows)")
    if len(p_after) != len(b_after) or p_after == b_after:
        fail(f"the fork's runs.csv: the futures do not differ from {FORK_YEAR}")
    return {"weeks_shared": start + 1, "rows_shared": len(p_before),
            "venues": (venues["dashedMean"], venues["solidMean"])}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--browser", default="/usr/bin/chromium")
    ap.add_argument("--screenshot", required=True)
    args = ap.parse_args()
    origin = urlparse(args.url).netloc

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=args.browser,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        problems, elsewhere = [], []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("request", lambda r: elsewhere.append(r.url)
                if urlparse(r.url).netloc not in (origin, "") else None)

        page.goto(args.url)
        page.wait_for_selector("#scenario option", state="attached")
        if page.input_value("#scenario") != "baseline":
            fail("the page does not start from the baseline")

        # At projector sizes the Run button is on the first screen, however long the levers.
        for width, height in PROJECTOR_SIZES:
            page.set_viewport_size({"width": width, "height": height})
            box = run_button_in_view(page)
            if not (0 <= box["top"] and box["bottom"] <= box["height"]
                    and 0 <= box["left"] and box["right"] <= box["width"]):
                fail(f"at {width}x{height} the Run button is not in view without scrolling: {box}")
        page.set_viewport_size({"width": 1600, "height": 900})

        # The first future: the town as it is (a smaller one, to be quick), over fewer years.
        set_range(page, "residents", RESIDENTS)
        set_range(page, "years", YEARS)
        page.click("#run")
        wait_for_runs(page, 1)
        first = snapshot(page)

        # Pull a lever: a decade of deep cuts from 2010.
        page.check('[name="austerity.on"]')
        set_range(page, "austerity.cut", 10)
        set_range(page, "austerity.years", 10)
        page.click("#run")
        wait_for_runs(page, 2)
        both = snapshot(page)

        # Two runs side by side, each labelled by what was changed.
        if len(both["labels"]) != 2 or len(both["maps"]) != 2:
            fail(f"expected two runs side by side, got {both['labels']} and {len(both['maps'])} maps")
        if "austerity" not in both["labels"][1] or "austerity" in both["labels"][0]:
            fail(f"labels do not say what was changed: {both['labels']}")
        # Every chart has a line per run, over every week.
        for metric in ("trust", "belonging", "agency", "venues_open"):
            lines = both["charts"].get(metric, [])
            if len(lines) != 2 or min(l["points"] for l in lines) < 500:
                fail(f"the {metric} chart does not show both runs in full: {lines}")
            if max(l["points"] for l in lines) > YEARS * 52:
                fail(f"the years control did not shorten the runs to {YEARS} years: {lines}")
            if first["charts"][metric][0]["mean"] != lines[0]["mean"]:
                fail(f"the first run's {metric} line moved when the second was added")
        # Every chart's axis starts at 0, as the report's do, so that a gap of a few thousandths
        # between futures is not drawn as a gulf.
        floors = page.eval_on_selector_all(
            "#charts svg[data-metric]", "els => els.map(e => [e.dataset.metric, e.dataset.yMin])")
        if not floors or any(lo != "0" for _, lo in floors):
            fail(f"a chart's axis does not start at 0: {floors}")
        # The lever moves the town: cuts close council venues and lower belonging.
        venues = [l["mean"] for l in both["charts"]["venues_open"]]
        belonging = [l["mean"] for l in both["charts"]["belonging"]]
        if not venues[1] < venues[0]:
            fail(f"deep cuts did not close venues on the chart: {venues}")
        if belonging[1] == belonging[0]:
            fail(f"the belonging chart did not change with the lever: {belonging}")
        m1, m2 = both["maps"]
        laid_out = check_map_layout(page, "two runs, the last year")
        if m1["markers"] == 0 or m1["wards"] == m2["wards"] or not m2["open"] < m1["open"]:
            fail(f"the town map did not change with the lever: {m1} / {m2}")

        # Scrub back to the first year: the maps show that year, all venues open then.
        page.eval_on_selector("#year", """(el) => { el.value = el.min;
            el.dispatchEvent(new Event('input', {bubbles: true})); }""")
        early = snapshot(page)
        check_map_layout(page, "two runs, the first year")
        if early["maps"][0]["year"] == m1["year"] or early["maps"][1]["closed"] > m2["closed"]:
            fail(f"the year slider did not move the maps: {early['maps']}")
        page.eval_on_selector("#year", """(el) => { el.value = el.max;
            el.dispatchEvent(new Event('input', {bubbles: true})); }""")

        # The downloads are offered, with the command that reproduces the run.
        page.click("#runs li:last-child details summary")
        links = page.eval_on_selector_all("#runs li:last-child details a", "as => as.map(a => a.textContent)")
        command = page.text_content("#runs li:last-child details code") or ""
        if "scenario.toml" not in links or "metrics.csv" not in links or "cohesion run" not in command:
            fail(f"downloads or command missing: {links} / {command}")

        # A run queued through the API, as with curl, joins the page on its own. It is the
        # default town at its full size (its venues all there) over a few years, so that its
        # map is as crowded as a teacher's.
        body = json.dumps({"scenario": "baseline", "seed": 7,
                           "set": {"time.years": 3}}).encode()
        req = urllib.request.Request(args.url.rstrip("/") + "/api/run", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            queued = json.load(r)["id"]
        page.wait_for_function(
            f"""() => [...document.querySelectorAll('#runs li[data-status="done"]')]
                      .some((li) => li.dataset.run === '{queued}')""",
            timeout=RUN_TIMEOUT_MS,
        )
        page.wait_for_selector(f'#maps svg[data-run="{queued}"]', state="attached")
        full = check_map_layout(page, "the default town's map")

        forked = check_fork(page)
        check_map_layout(page, "the fork")
        page.screenshot(path=args.screenshot, full_page=True)
        browser.close()

    if elsewhere:
        fail(f"the page fetched from elsewhere: {elsewhere}")
    if problems:
        fail(f"the page reported errors: {problems}")
    print(f"serve-check: Run button in view at {PROJECTOR_SIZES}; a run queued through the API "
          f"joined the page")
    print(f"serve-check: two runs side by side over {YEARS} years; venues open in the final year {venues[0]:.1f} -> "
          f"{venues[1]:.1f}, belonging {belonging[0]:.3f} -> {belonging[1]:.3f}; "
          f"open venues on the map {m1['open']} -> {m2['open']}")
    print(f"serve-check: on the two runs' maps {laid_out[0]} ward discs apart, {laid_out[1]} "
          f"names off {laid_out[2]} markers and each other, no marker on another; with the "
          f"default town's run added, {full[2]} markers")
    print(f"serve-check: paused the first run at {FORK_YEAR} and opened a library: the futures "
          f"share {forked['weeks_shared']} weeks on every chart ({forked['rows_shared']} rows "
          f"of runs.csv to the byte) and part there; venues open in the final year "
          f"{forked['venues'][0]:.1f} (as it was) -> {forked['venues'][1]:.1f} (forked)")
    print(f"serve-check: screenshot {args.screenshot} (1280x720, the fork drawn)")


if __name__ == "__main__":
    main()
