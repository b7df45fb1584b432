#!/usr/bin/env python3
"""Takes the README's picture of seminar mode (docs/images/seminar.png) at projector size.

Starts from a running `cohesion serve` at URL, runs the default town through the decade of
cuts (`austerity_2010` as built), then pauses that run at the start of 2015 and pulls one lever
— a new library in the Welfare Estate that year, paid for from outside for ten years — and runs
on from there, so the page draws the fork: one past, two futures. Saves the whole page, 1600
pixels wide.

Usage: seminar-screenshot.py URL --browser /usr/bin/chromium --out docs/images/seminar.png
"""

import argparse

from playwright.sync_api import sync_playwright


def set_value(page, name, value):
    page.eval_on_selector(
        f'[name="{name}"]',
        """(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true}));
                        el.dispatchEvent(new Event('change', {bubbles: true})); }""",
        str(value),
    )


def wait_for_runs(page, n):
    page.wait_for_function(
        f"() => document.querySelectorAll('#maps svg[data-run]').length >= {n}", timeout=300_000
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--browser", default="/usr/bin/chromium")
    ap.add_argument("--out", default="docs/images/seminar.png")
    args = ap.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.browser,
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        page.goto(args.url)
        page.wait_for_selector("#scenario option", state="attached")
        page.select_option("#scenario", "austerity_2010")
        page.click("#run")
        wait_for_runs(page, 1)
        first = page.eval_on_selector("#runs li", "li => li.dataset.run")
        page.check('[name="fork.on"]')
        page.select_option("#fork-run", first)
        page.select_option("#fork-year", "2015")
        page.check('[name="invest.on"]')
        page.select_option('[name="invest.kind"]', "library")
        page.select_option('[name="invest.ward"]', "Welfare Estate")
        page.select_option('[name="invest.year"]', "2015")
        set_value(page, "invest.funding", 10)
        page.click("#run")
        page.wait_for_function(
            """() => document.querySelector('#runs li:last-child').dataset.status === 'done'
                     && document.querySelectorAll('#charts svg g.fork').length === 4""",
            timeout=300_000,
        )
        page.select_option("#map-metric", "belonging")
        # The whole page in one window, so that the sticky Run bar sits where the levers end
        # rather than over whichever lever the bottom of a 900-pixel screen happens to cut.
        height = page.evaluate("() => document.documentElement.scrollHeight")
        page.set_viewport_size({"width": 1600, "height": height})
        page.screenshot(path=args.out, full_page=True)
        browser.close()
    print(args.out)


if __name__ == "__main__":
    main()
