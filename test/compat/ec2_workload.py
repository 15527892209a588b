#!/usr/bin/env python3
"""A long-running workload for ec2_workload_compat.py, started through `lockbox exec`.

It reads one command per line on stdin and answers one JSON line on stdout, so the same process
(and the same boto3 clients, with credentials it found by itself) serves the whole test:
  call SERVICE OPERATION JSON-PARAMS  -> {"ok": response} or {"error": code, "message": ...}
  env                                 -> {"env": os.environ}
  files                               -> {"files": {path: content}} for the AWS config/credentials files
"""
import json
import os
import sys

import boto3
from botocore.exceptions import ClientError, NoCredentialsError

clients = {}


def answer(value):
    print(json.dumps(value, default=str), flush=True)


for line in sys.stdin:
    parts = line.strip().split(" ", 3)
    if not parts or not parts[0]:
        continue
    if parts[0] == "env":
        answer({"env": dict(os.environ)})
    elif parts[0] == "files":
        files = {}
        for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
            path = os.environ.get(name)
            files[name] = open(path).read() if path and os.path.exists(path) else None
        answer({"files": files})
    elif parts[0] == "call":
        service, operation = parts[1], parts[2]
        params = json.loads(parts[3]) if len(parts) > 3 else {}
        client = clients.get(service) or clients.setdefault(service, boto3.client(service))
        try:
            answer({"ok": getattr(client, operation)(**params)})
        except NoCredentialsError as e:
            answer({"error": "NoCredentials", "message": str(e)})
        except ClientError as e:
            answer({"error": e.response["Error"]["Code"], "message": e.response["Error"].get("Message", "")})
    else:
        answer({"error": "UnknownCommand", "message": parts[0]})
