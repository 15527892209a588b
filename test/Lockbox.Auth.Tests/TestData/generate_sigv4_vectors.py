#!/usr/bin/env python3
"""Generates sigv4-vectors.json: requests signed by botocore (the AWS CLI's signer).

Run from this folder with botocore installed (tested with 1.43):  python3 generate_sigv4_vectors.py
Each vector is the request exactly as it goes on the wire (method, raw path, raw query,
headers in order, body) plus the key and the signing time, so the C# tests can verify them
without Python. Re-running with the same botocore gives the same file (the time is fixed).
"""
import base64
import datetime
import json
from unittest import mock
from urllib.parse import urlsplit

import botocore
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY = "AKIDEXAMPLE0000000001"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TEMPORARY_ACCESS_KEY = "ASIAEXAMPLE000000001"
TOKEN = "FQoGZXIvYXdzEXAMPLETOKEN//////////wEaDExample+Session/Token=="
NOW = datetime.datetime(2013, 5, 24, 0, 0, 0)


def sign(name, method, url, headers, body=b"", service="dynamodb", region="us-east-1", token=None,
         presign_expires=None, extra=None, access_key=ACCESS_KEY):
    creds = Credentials(access_key, SECRET, token)
    request = AWSRequest(method=method, url=url, data=body)
    for key, value in headers:
        if key in request.headers:
            request.headers.add_header(key, value)  # a repeated header
        else:
            request.headers[key] = value
    with mock.patch("botocore.auth.get_current_datetime", return_value=NOW):
        if presign_expires is None:
            botocore.auth.SigV4Auth(creds, service, region).add_auth(request)
        else:
            botocore.auth.SigV4QueryAuth(creds, service, region, expires=presign_expires).add_auth(request)
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    wire_headers = [["Host", parts.netloc]]
    for key in prepared.headers.keys():
        for value in request.headers.get_all(key) or [prepared.headers[key]]:
            if key.lower() != "host":
                wire_headers.append([key, value])
    body_bytes = prepared.body or b""
    if isinstance(body_bytes, str):
        body_bytes = body_bytes.encode("utf-8")
    vector = {
        "name": name,
        "method": method,
        "path": parts.path or "/",
        "query": parts.query,
        "headers": wire_headers,
        "bodyBase64": base64.b64encode(body_bytes).decode("ascii"),
        "accessKeyId": access_key,
        "secretAccessKey": SECRET,
        "sessionToken": token,
        "region": region,
        "service": service,
        "signedAt": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if extra:
        vector.update(extra)
    return vector


def main():
    json_headers = [("Content-Type", "application/x-amz-json-1.0")]
    endpoint = "http://127.0.0.1:8000"
    vectors = [
        sign("list-tables", "POST", endpoint + "/",
             json_headers + [("X-Amz-Target", "DynamoDB_20120810.ListTables")], b"{}"),
        sign("put-item-unicode-body", "POST", endpoint + "/",
             json_headers + [("X-Amz-Target", "DynamoDB_20120810.PutItem")],
             '{"TableName":"t","Item":{"pk":{"S":"h\u00e9llo \u4e16\u754c \U0001F600"}}}'.encode("utf-8")),
        sign("application-json", "POST", endpoint + "/",
             [("Content-Type", "application/json"), ("X-Amz-Target", "DynamoDB_20120810.ListTables")], b"{}"),
        sign("session-token", "POST", endpoint + "/",
             json_headers + [("X-Amz-Target", "DynamoDB_20120810.ListTables")], b"{}", token=TOKEN),
        sign("other-region-and-service", "POST", "http://localhost:4566/",
             [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "TrentService.ListKeys")], b"{}",
             service="kms", region="eu-west-2"),
        sign("header-value-folding", "POST", endpoint + "/",
             json_headers + [("X-Amz-Target", "DynamoDB_20120810.ListTables"),
                             ("My-Header1", "  value1   with    spaces  "), ("my-header2", "\"a   b\"")], b"{}"),
        sign("duplicate-headers", "POST", endpoint + "/",
             json_headers + [("X-Amz-Target", "DynamoDB_20120810.ListTables"),
                             ("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")], b"{}"),
        sign("query-ordering-and-encoding", "POST",
             endpoint + "/?b=2&a=1&a=0&Param-Two=%2Fx&caps=A%20B&tilde=~_-.&empty=&star=%2A",
             json_headers + [("X-Amz-Target", "DynamoDB_20120810.ListTables")], b"{}"),
        sign("unicode-path", "POST", endpoint + "/%E1%88%B4/a%20b/",
             json_headers + [("X-Amz-Target", "DynamoDB_20120810.ListTables")], b"{}"),
        sign("dot-segments-path", "POST", endpoint + "/example1/example2/../..//foo/./bar",
             json_headers + [("X-Amz-Target", "DynamoDB_20120810.ListTables")], b"{}"),
        sign("content-sha256-header", "POST", endpoint + "/",
             json_headers + [("X-Amz-Target", "DynamoDB_20120810.ListTables"),
                             ("X-Amz-Content-SHA256", "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")],
             b"{}"),
        sign("presigned-get", "GET", endpoint + "/?Action=ListTables&Version=2012-08-10", [], b"",
             presign_expires=300),
        sign("presigned-with-token", "GET", endpoint + "/?Action=ListTables", [], b"",
             token=TOKEN, presign_expires=3600),
        sign("temporary-key", "POST", endpoint + "/",
             json_headers + [("X-Amz-Target", "DynamoDB_20120810.ListTables")], b"{}", token=TOKEN,
             access_key=TEMPORARY_ACCESS_KEY),
        sign("temporary-key-presigned", "GET", endpoint + "/?Action=ListTables", [], b"",
             token=TOKEN, presign_expires=3600, access_key=TEMPORARY_ACCESS_KEY),
        sign("empty-body", "POST", endpoint + "/",
             json_headers + [("X-Amz-Target", "DynamoDB_20120810.ListTables")], b""),
    ]
    with open("sigv4-vectors.json", "w", encoding="utf-8") as f:
        json.dump({"generator": "botocore " + botocore.__version__, "vectors": vectors}, f, indent=1,
                  ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
