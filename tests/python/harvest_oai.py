"""Harvests strata's /oai with Sickle, a real OAI-PMH client, and prints what it
saw as JSON. argv: the base URL, then a JSON list of requests, each
{"verb": "ListRecords" | "ListIdentifiers" | "ListSets" | "Identify", ...arguments}.
Deleted records are kept (ignore_deleted=False); noRecordsMatch is an empty list."""
import json
import sys

from sickle import Sickle
from sickle.oaiexceptions import NoRecordsMatch

url, requests = sys.argv[1], json.loads(sys.argv[2])
sickle = Sickle(url, max_retries=0, timeout=30)
answers = []
for args in requests:
    args = dict(args)
    verb = args.pop("verb")
    if verb == "Identify":
        identify = sickle.Identify()
        answers.append({k: getattr(identify, k) for k in ("repositoryName", "granularity", "deletedRecord", "earliestDatestamp")})
        continue
    if verb == "ListSets":
        answers.append([{"spec": s.setSpec, "name": s.setName} for s in sickle.ListSets()])
        continue
    items = []
    try:
        if verb == "ListRecords":
            for r in sickle.ListRecords(ignore_deleted=False, **args):
                items.append({
                    "identifier": r.header.identifier,
                    "datestamp": r.header.datestamp,
                    "sets": r.header.setSpecs,
                    "deleted": r.header.deleted,
                    "metadata": None if r.header.deleted else r.metadata,
                })
        else:
            for h in sickle.ListIdentifiers(ignore_deleted=False, **args):
                items.append({
                    "identifier": h.identifier,
                    "datestamp": h.datestamp,
                    "sets": h.setSpecs,
                    "deleted": h.deleted,
                })
    except NoRecordsMatch:
        pass
    answers.append(items)
print(json.dumps(answers))
