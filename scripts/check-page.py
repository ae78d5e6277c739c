#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The results page (index.html, the runner's `page`) as a person sees it: opened from the
# file system in headless Chromium (Selenium and the host's chromedriver), it must hold one
# grid per results.json given, in order, with one cell per run, each cell showing its run's
# verdict in the legend's colour for that verdict (the four colours distinct, as Chromium
# computes them); clicking a cell must open that run's detail, and only it. The comparison
# must also fail: the same page against results with one verdict changed is refused. Keeps
# a screenshot of the whole page.
#
# Usage: check-page.py PAGE SCREENSHOT RESULTS.json...   (the venv of make setup:
#        $RESULTS_PYTHON)

import base64
import copy
import json
import pathlib
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

VERDICTS = ("pass", "fail", "error", "skip")


def die(text):
    sys.exit(f"panicgen: error: {text}")


def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,900"):
        opts.add_argument(arg)
    return webdriver.Chrome(options=opts, service=Service("/usr/bin/chromedriver"))


def colour(driver, element):
    return driver.execute_script(
        "return getComputedStyle(arguments[0]).backgroundColor;", element)


def mismatches(driver, sets, legend):
    """What the page shows differently from the result sets."""
    found = []
    sections = driver.find_elements(By.CSS_SELECTOR, "section.set")
    if len(sections) != len(sets):
        return [f"{len(sections)} grids for {len(sets)} result sets"]
    for section, results in zip(sections, sets):
        where = f"{results.get('target', '')} {results['arch']} {results['kernel']}"
        for attr, want in (("data-arch", results["arch"]), ("data-kernel", results["kernel"])):
            if section.get_attribute(attr) != want:
                found.append(f"{where}: grid {attr} is {section.get_attribute(attr)}")
        cells = {(c.get_attribute("data-fault"), c.get_attribute("data-context")): c
                 for c in section.find_elements(By.CSS_SELECTOR, "td.cell")}
        if len(cells) != len(results["results"]):
            found.append(f"{where}: {len(cells)} cells for {len(results['results'])} runs")
        for run in results["results"]:
            what = f"{where} {run['fault']} in {run['context']}"
            cell = cells.get((run["fault"], run["context"]))
            if cell is None:
                found.append(f"{what}: no cell")
                continue
            shown = cell.get_attribute("data-verdict")
            if shown != run["verdict"] or cell.text.strip() != run["verdict"]:
                found.append(f"{what}: shows {shown}, results say {run['verdict']}")
            elif colour(driver, cell) != legend[run["verdict"]]:
                found.append(f"{what}: coloured {colour(driver, cell)}, "
                             f"the legend's {run['verdict']} is {legend[run['verdict']]}")
    return found


def check_click(driver, sets):
    """Clicking a cell (a failed one if any) opens its run's detail, and no other: it holds
    the run's reason and console."""
    cells = driver.find_elements(By.CSS_SELECTOR, "td.cell")
    cell = next((c for c in cells if c.get_attribute("data-verdict") != "pass"), cells[0])
    name = cell.get_attribute("data-run")
    sections = driver.find_elements(By.CSS_SELECTOR, "section.set")
    results = sets[sections.index(cell.find_element(By.XPATH, "./ancestor::section"))]
    run = next(r for r in results["results"]
               if (r["fault"], r["context"]) == (cell.get_attribute("data-fault"),
                                                 cell.get_attribute("data-context")))
    cell.find_element(By.TAG_NAME, "a").click()
    shown = [d for d in driver.find_elements(By.CSS_SELECTOR, "div.run") if d.is_displayed()]
    if len(shown) != 1 or shown[0].get_attribute("data-run") != name:
        die(f"clicking {name}'s cell opened {[d.get_attribute('data-run') for d in shown]}")
    for what in ("reason", "console"):
        if run.get(what) and " ".join(run[what].split()) not in " ".join(shown[0].text.split()):
            die(f"{name}'s detail does not show its {what}: {run[what]}")
    return name


def screenshot(driver, path):
    """The whole page, not only the window."""
    height = driver.execute_script("return document.documentElement.scrollHeight;")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 1400, "height": min(height, 16000), "deviceScaleFactor": 1, "mobile": False})
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    path.write_bytes(base64.b64decode(shot["data"]))


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: check-page.py PAGE SCREENSHOT RESULTS.json...")
    page, shot = pathlib.Path(sys.argv[1]).resolve(), pathlib.Path(sys.argv[2])
    sets = [json.loads(pathlib.Path(f).read_text(encoding="utf-8")) for f in sys.argv[3:]]
    driver = browser()
    try:
        driver.get(page.as_uri())
        legend = {v: colour(driver, driver.find_element(By.CSS_SELECTOR, f"[data-legend={v}]"))
                  for v in VERDICTS}
        if len(set(legend.values())) != len(VERDICTS):
            die(f"the legend's colours are not distinct: {legend}")
        found = mismatches(driver, sets, legend)
        if found:
            die(f"{page} differs from its results:\n  " + "\n  ".join(found))
        changed = copy.deepcopy(sets)
        run = changed[0]["results"][0]
        run["verdict"] = "fail" if run["verdict"] != "fail" else "pass"
        if not mismatches(driver, changed, legend):
            die("the page matched results with a verdict changed: the check cannot fail")
        screenshot(driver, shot)
        opened = check_click(driver, sets)
    finally:
        driver.quit()
    cells = sum(len(s["results"]) for s in sets)
    print(f"panicgen: {page}: {len(sets)} grids, {cells} cells, verdicts and colours as in "
          f"results.json; {opened}'s cell opens its detail; screenshot {shot}", file=sys.stderr)


if __name__ == "__main__":
    main()
