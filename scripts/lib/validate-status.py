#!/usr/bin/env python3
"""Checks a status file against Config/status.schema.json; exits 0 when it is valid.

The tests run it on every status file they check: validate-status.py STATUS_FILE
"""
import json
import pathlib
import sys

try:
    import jsonschema
except ImportError:
    sys.exit("validate-status.py: this python3 has no jsonschema module: "
             "apt-get install python3-jsonschema (scripts/test installs it)")

schema = pathlib.Path(__file__).resolve().parents[2] / "Config" / "status.schema.json"
with open(sys.argv[1]) as status, open(schema) as rules:
    jsonschema.validate(json.load(status), json.load(rules))
