#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Validate results.kcidb.json files with KernelCI's own schema package (kcidb-io's
# schema.LATEST, what kcidb-submit checks), and show that the validation can fail: a copy
# whose first test has a path KCIDB refuses ('lkdtm/PANIC') must be rejected.
#
# Usage: check-kcidb.py FILE...   (run by the venv of `make setup`: $RESULTS_PYTHON)

import copy
import json
import sys

import jsonschema
import kcidb_io


def check(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    schema = kcidb_io.schema.LATEST
    try:
        schema.validate(doc)
    except jsonschema.exceptions.ValidationError as e:
        where = "/".join(str(p) for p in e.absolute_path)
        sys.exit(f"panicgen: error: {path} is not valid KCIDB v{schema.major}.{schema.minor}: "
                 f"{where}: {e.message}")
    tests = doc.get("tests", [])
    if not tests:
        sys.exit(f"panicgen: error: {path} holds no tests")
    broken = copy.deepcopy(doc)
    broken["tests"][0]["path"] = "lkdtm/PANIC"
    if schema.is_valid(broken):
        sys.exit(f"panicgen: error: a test path with '/' validated: the check of {path} cannot fail")
    statuses = sorted({t.get("status", "none") for t in tests})
    print(f"panicgen: {path}: valid KCIDB v{schema.major}.{schema.minor} "
          f"({len(doc.get('builds', []))} build, {len(tests)} tests: {', '.join(statuses)})",
          file=sys.stderr)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: check-kcidb.py FILE...")
    for path in sys.argv[1:]:
        check(path)


if __name__ == "__main__":
    main()
