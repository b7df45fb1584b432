#!/usr/bin/env python3
"""Drives the seminar page (`cohesion serve`) in headless Chromium, as a teacher would.

Loads the page, checks that the Run button is in view without scrolling at projector sizes
(1280×720 and 1600×900), runs the baseline town over fewer years than the default, pulls a
lever (a decade of deep cuts), runs again, and checks that both runs sit side by side, that the
charts and the town map were drawn for each, that they differ where the lever should make them
differ, that a run queued through the API (as with curl) joins the page, and that the page
fetched nothing from anywhere but the server. Saves a screenshot and prints its path.

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
        # The lever moves the town: cuts close council venues and lower belonging.
        venues = [l["mean"] for l in both["charts"]["venues_open"]]
        belonging = [l["mean"] for l in both["charts"]["belonging"]]
        if not venues[1] < venues[0]:
            fail(f"deep cuts did not close venues on the chart: {venues}")
        if belonging[1] == belonging[0]:
            fail(f"the belonging chart did not change with the lever: {belonging}")
        m1, m2 = both["maps"]
        if m1["markers"] == 0 or m1["wards"] == m2["wards"] or not m2["open"] < m1["open"]:
            fail(f"the town map did not change with the lever: {m1} / {m2}")

        # Scrub back to the first year: the maps show that year, all venues open then.
        page.eval_on_selector("#year", """(el) => { el.value = el.min;
            el.dispatchEvent(new Event('input', {bubbles: true})); }""")
        early = snapshot(page)
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

        # A run queued through the API, as with curl, joins the page on its own.
        body = json.dumps({"scenario": "baseline", "seed": 7,
                           "set": {"town.residents": RESIDENTS, "time.years": 3}}).encode()
        req = urllib.request.Request(args.url.rstrip("/") + "/api/run", data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            queued = json.load(r)["id"]
        page.wait_for_function(
            f"""() => [...document.querySelectorAll('#runs li[data-status="done"]')]
                      .some((li) => li.dataset.run === '{queued}')""",
            timeout=RUN_TIMEOUT_MS,
        )

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
    print(f"serve-check: screenshot {args.screenshot}")


if __name__ == "__main__":
    main()
