"""Reads a JSON array of address-list header values on stdin and prints, for each, how Python's
email package reads it: [{"headerregistry": [[display_name, username, domain], ...],
"getaddresses": [addr_spec, ...], "defects": [...]}, ...]. Used by AddressInteropTests."""
import json
import sys
from email.headerregistry import HeaderRegistry
from email.policy import default
from email.utils import getaddresses

registry = HeaderRegistry()
result = []
for value in json.load(sys.stdin):
    header = registry("To", value)
    entry = {
        "headerregistry": [[a.display_name, a.username, a.domain] for a in header.addresses],
        "getaddresses": [addr for _, addr in getaddresses([value])],
        "defects": [type(d).__name__ for d in header.defects],
    }
    result.append(entry)
json.dump(result, sys.stdout)
